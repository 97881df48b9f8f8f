using Entente.Server.Log;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands.Log;

/// <summary>Where <c>entente log fsck</c> finds the store and the key: a configuration file, or a folder's contents.</summary>
internal static class FsckTarget
{
    /// <summary>Configuration files a folder may hold, tried in order.</summary>
    public static readonly IReadOnlyList<string> ConfigNames = ["log.json", "entente.json"];

    /// <summary>SQLite stores a folder may hold without a configuration: `entente serve`'s and `entente log init`'s defaults.</summary>
    public static readonly IReadOnlyList<string> StoreNames = ["board.db", "log.db"];

    /// <summary>The options for <paramref name="config"/> or <paramref name="dir"/> (exactly one); throws naming what is missing.</summary>
    public static LogServerOptions Resolve(string? config, string? dir)
    {
        if ((config is null) == (dir is null))
        {
            throw new ArgumentException("give exactly one of --config FILE and --dir FOLDER.");
        }

        if (config is not null)
        {
            return Load(Path.GetFullPath(config));
        }

        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"the folder {dir} does not exist.");
        }

        foreach (string name in ConfigNames)
        {
            string file = Path.Combine(dir!, name);
            if (File.Exists(file))
            {
                return Load(file);
            }
        }

        foreach (string name in StoreNames)
        {
            if (File.Exists(Path.Combine(dir!, name)))
            {
                return new LogServerOptions { Store = "sqlite:" + name, Key = "log.key", BaseDirectory = dir! };
            }
        }

        throw new FileNotFoundException($"{dir} holds no log: none of {string.Join(", ", ConfigNames.Concat(StoreNames))}. Point --dir at a board's data folder or a demo folder, or use --config.");
    }

    /// <summary>The verifier key: from <paramref name="key"/> (a private key file, a verifier key, or a file holding one) or the configuration's key file.</summary>
    public static INoteVerifier Verifier(string? key, LogServerOptions options)
    {
        string text;
        string source;
        if (key is null)
        {
            source = options.Resolve(options.Key);
            if (!File.Exists(source))
            {
                throw new FileNotFoundException($"the log key {source} does not exist; pass the log's public key with --key.");
            }

            text = File.ReadAllText(source).Trim();
        }
        else if (File.Exists(key))
        {
            source = key;
            text = File.ReadAllText(key).Trim();
        }
        else
        {
            source = "--key";
            text = key.Trim();
        }

        if (text.StartsWith("PRIVATE+KEY+", StringComparison.Ordinal))
        {
            using Ed25519NoteSigner signer = Ed25519NoteSigner.FromSkey(text);
            return signer.Verifier;
        }

        return VerifierKeys.TryParse(text, out INoteVerifier? verifier) && verifier is not null
            ? verifier
            : throw new FormatException($"{source}: not a note key (a PRIVATE+KEY+… file or a name+hash+key verifier key).");
    }

    private static LogServerOptions Load(string file)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"the configuration file {file} does not exist.");
        }

        LogServerOptions options = LogServerOptions.Load(file);
        if (string.IsNullOrEmpty(options.Store))
        {
            options.Store = "sqlite:board.db";
        }

        if (string.IsNullOrEmpty(options.Key))
        {
            options.Key = "log.key";
        }

        return options;
    }
}
