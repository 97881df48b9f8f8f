using Entente.Cli.Commands.Election;
using PdfSharp.Fonts;

namespace Entente.Cli.Printing;

/// <summary>
/// The fonts a printed ballot uses: DejaVu Sans for text and DejaVu Sans Mono for codes (free licence, glyphs for
/// Latin, Greek and Cyrillic labels). They are read from the machine's font folders (Debian and Ubuntu:
/// <c>fonts-dejavu-core</c>) or from a folder the caller names; PDFsharp embeds the subset it uses, so the PDF prints the
/// same anywhere.
/// </summary>
internal sealed class BallotFonts : IFontResolver
{
    /// <summary>The text family.</summary>
    public const string Text = "DejaVu Sans";

    /// <summary>The family for identifiers, confirmation codes and short codes.</summary>
    public const string Mono = "DejaVu Sans Mono";

    private static readonly Dictionary<string, string> Faces = new(StringComparer.Ordinal)
    {
        ["text"] = "DejaVuSans.ttf",
        ["text-bold"] = "DejaVuSans-Bold.ttf",
        ["mono"] = "DejaVuSansMono.ttf",
        ["mono-bold"] = "DejaVuSansMono-Bold.ttf",
    };

    private static readonly Lock Gate = new();
    private static BallotFonts? _installed;
    private readonly Dictionary<string, byte[]> _bytes;

    private BallotFonts(Dictionary<string, byte[]> bytes) => _bytes = bytes;

    /// <summary>
    /// Makes the ballot fonts PDFsharp's font resolver for this process (PDFsharp takes one resolver per process).
    /// </summary>
    /// <exception cref="ElectionUsageException">No folder searched holds the four DejaVu faces.</exception>
    public static void Install(string? fontDir)
    {
        lock (Gate)
        {
            if (_installed is not null)
            {
                return;
            }

            string[] folders = fontDir is not null ? [fontDir] : [.. SystemFontFolders()];
            Dictionary<string, byte[]> bytes = new(StringComparer.Ordinal);
            foreach ((string face, string file) in Faces)
            {
                string path = Find(folders, file) ?? throw new ElectionUsageException(fontDir is not null
                    ? $"--font-dir \"{fontDir}\" has no {file}: it must hold DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf and DejaVuSansMono-Bold.ttf."
                    : $"the DejaVu fonts are not installed ({file} not found under {string.Join(", ", folders)}): install them (Debian and Ubuntu: sudo apt-get install fonts-dejavu-core) or pass --font-dir DIR.");
                bytes[face] = File.ReadAllBytes(path);
            }

            _installed = new BallotFonts(bytes);
            GlobalFontSettings.FontResolver = _installed;
        }
    }

    /// <inheritdoc />
    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        string? face = familyName switch
        {
            Text => bold ? "text-bold" : "text",
            Mono => bold ? "mono-bold" : "mono",
            _ => null,
        };
        return face is null ? null : new FontResolverInfo(face, false, italic);
    }

    /// <inheritdoc />
    public byte[]? GetFont(string faceName) => _bytes.TryGetValue(faceName, out byte[]? bytes) ? bytes : null;

    private static IEnumerable<string> SystemFontFolders()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (string folder in new[]
        {
            "/usr/share/fonts", "/usr/local/share/fonts", Path.Combine(home, ".local", "share", "fonts"), Path.Combine(home, ".fonts"),
            "/Library/Fonts", Path.Combine(home, "Library", "Fonts"), Environment.GetFolderPath(Environment.SpecialFolder.Fonts),
        })
        {
            if (folder.Length > 0 && Directory.Exists(folder))
            {
                yield return folder;
            }
        }
    }

    private static string? Find(IEnumerable<string> folders, string file)
    {
        foreach (string folder in folders)
        {
            string direct = Path.Combine(folder, file);
            if (File.Exists(direct))
            {
                return direct;
            }

            try
            {
                string? found = Directory.EnumerateFiles(folder, file, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 4 }).FirstOrDefault();
                if (found is not null)
                {
                    return found;
                }
            }
            catch (IOException)
            {
                // A folder that cannot be listed holds nothing we can use.
            }
        }

        return null;
    }
}
