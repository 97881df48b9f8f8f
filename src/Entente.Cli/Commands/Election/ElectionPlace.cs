using System.CommandLine;
using Entente.Client.Election;
using Entente.Election.Board;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands.Election;

/// <summary>A usage problem of an election verb: exit 2 with the message.</summary>
internal sealed class ElectionUsageException(string message) : Exception(message);

/// <summary>
/// The shared place an election verb works against, chosen on the command line: <c>--folder DIR</c> (a ceremony folder,
/// docs/record-format.md §5) or <c>--board URL --key PARTY_KEY_FILE</c> (the board over HTTP, docs/http-api.md; the
/// charter key signs every request and entry). Exactly one of the two.
/// </summary>
internal sealed class ElectionPlaceOptions
{
    private readonly Option<DirectoryInfo?> _folder;
    private readonly Option<string?> _board = new("--board") { Description = "Work against the board at this URL (e.g. http://127.0.0.1:5080/) instead of a folder; needs --key." };
    private readonly Option<FileInfo?> _key = new("--key") { Description = "With --board: your charter key file (PRIVATE+KEY+<name>+…), which signs the requests and log entries." };

    /// <summary>Options with <c>--folder</c> described as <paramref name="folderDescription"/> (and its other names, e.g. <c>--out</c>).</summary>
    public ElectionPlaceOptions(string folderDescription, params string[] folderAliases)
    {
        _folder = new Option<DirectoryInfo?>("--folder", folderAliases) { Description = folderDescription };
    }

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_folder);
        command.Options.Add(_board);
        command.Options.Add(_key);
    }

    /// <summary>Opens the place the command line names, or throws <see cref="ElectionUsageException"/>.</summary>
    public ElectionPlace Open(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        DirectoryInfo? folder = parseResult.GetValue(_folder);
        string? board = parseResult.GetValue(_board);
        FileInfo? keyFile = parseResult.GetValue(_key);
        if ((folder is null) == (board is null))
        {
            throw new ElectionUsageException("give exactly one of --folder DIR (a ceremony folder) or --board URL --key PARTY_KEY_FILE (a board).");
        }

        if (folder is not null)
        {
            return keyFile is null
                ? new ElectionPlace(new FolderElectionBoard(folder.FullName), null)
                : throw new ElectionUsageException("--key goes with --board: a ceremony folder has no signatures.");
        }

        if (!Uri.TryCreate(board, UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
        {
            throw new ElectionUsageException($"--board must be an http:// or https:// URL, not '{board}'.");
        }

        if (keyFile is null)
        {
            throw new ElectionUsageException("--board needs --key PARTY_KEY_FILE: your charter key signs the requests and entries.");
        }

        Ed25519NoteSigner key = ReadKey(keyFile.FullName);
        return new ElectionPlace(new HttpElectionBoard(url, key), key);
    }

    /// <summary>Reads a charter key file, or throws <see cref="ElectionUsageException"/> naming the problem.</summary>
    public static Ed25519NoteSigner ReadKey(string path)
    {
        if (!File.Exists(path))
        {
            throw new ElectionUsageException($"--key: {path} does not exist; it is your charter key file (PRIVATE+KEY+<name>+…).");
        }

        try
        {
            return Ed25519NoteSigner.FromSkey(File.ReadAllText(path).Trim());
        }
        catch (FormatException e)
        {
            throw new ElectionUsageException($"--key: {path} is not a charter key file (PRIVATE+KEY+<name>+…): {e.Message}");
        }
    }
}

/// <summary>An opened place: the board abstraction, and the signing key when it is a board.</summary>
internal sealed class ElectionPlace(IElectionBoard board, Ed25519NoteSigner? key) : IDisposable
{
    /// <summary>The place.</summary>
    public IElectionBoard Board { get; } = board;

    /// <summary>The charter name signing for this process on a board; null for a folder.</summary>
    public string? Signer => key?.Name;

    /// <summary>True for a board over HTTP.</summary>
    public bool IsBoard => key is not null;

    /// <inheritdoc/>
    public void Dispose()
    {
        (Board as IDisposable)?.Dispose();
        key?.Dispose();
    }
}
