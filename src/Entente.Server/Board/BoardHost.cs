using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Board;

/// <summary>
/// Prepares a board's data folder for <c>entente serve</c>: the log key (generated on first start, readable only
/// by its owner), the charter (required: it names the parties and their keys) and the log itself (initialised when
/// the store holds none). Configuration is <see cref="LogServerOptions"/> with <see cref="LogServerOptions.Board"/> set.
/// </summary>
public static class BoardHost
{
    /// <summary>
    /// Creates the log key and the empty log when missing. Throws <see cref="FileNotFoundException"/> for a missing charter,
    /// <see cref="FormatException"/> for a malformed one or, with the exchange on, an encryption key its party did not sign.
    /// </summary>
    public static async Task PrepareAsync(LogServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string charter = options.Resolve(options.Charter);
        if (!File.Exists(charter))
        {
            throw new FileNotFoundException($"The charter {charter} does not exist: write it first (docs/http-api.md, \"Charter\") or point --charter at it.", charter);
        }

        Charter parsed = Charter.Parse(await File.ReadAllTextAsync(charter, cancellationToken));
        if (options.Exchange is { Enabled: true } exchange)
        {
            // Before anything is created: every party's encryption key must be signed by its charter key.
            Exchange.HostedExchange.Check(parsed, exchange);
        }

        string keyFile = options.Resolve(options.Key);
        if (!File.Exists(keyFile))
        {
            using Ed25519NoteSigner generated = Ed25519NoteSigner.Generate(KeyName(options.Origin));
            Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
            await File.WriteAllTextAsync(keyFile, generated.ExportSkey() + "\n", cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim());
        (ILogStore store, _, _) = StoreLocator.OpenLog(options.Store, options.Resolve, options.Schema);
        await using (store)
        {
            await store.CreateSchemaAsync(cancellationToken);
            if (await store.ReadHeadAsync(cancellationToken) is null)
            {
                await Sequencer.InitializeLogAsync(store, key, options.Origin, cancellationToken);
            }
        }
    }

    /// <summary>The log key's name: the origin (a key name may not hold spaces or '+').</summary>
    public static string KeyName(string origin)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        return origin;
    }
}
