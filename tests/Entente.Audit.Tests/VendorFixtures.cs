using System.Text.Json;
using Entente.Audit.Vendors;

namespace Entente.Audit.Tests;

/// <summary>Paths into tests/vectors/rla-vendor and the expected results that come with them.</summary>
internal static class VendorFixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor");

    public static string P(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static JsonElement Expected(string key)
    {
        foreach (string file in new[] { "expected-arlo-results.json", "more/expected-results.json" })
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(P(file)));
            if (doc.RootElement.TryGetProperty(key, out JsonElement e))
            {
                return e.Clone();
            }
        }

        throw new KeyNotFoundException(key);
    }

    /// <summary>Copies the listed files into one new folder (renamed when names collide), as a single ZIP would hold them.</summary>
    public static string Flat(params string[] folders)
    {
        string dir = Path.Combine(Path.GetTempPath(), "entente-hart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        int n = 0;
        foreach (string folder in folders)
        {
            foreach (string f in Directory.EnumerateFiles(P(folder), "*.xml"))
            {
                File.Copy(f, Path.Combine(dir, $"card-{n++}.xml"));
            }
        }

        return dir;
    }

    /// <summary>Copies a file to a temporary folder under another name (ES&amp;S cases whose file names matter).</summary>
    public static string Named(string relative, string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "entente-named-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string target = Path.Combine(dir, name);
        File.Copy(P(relative), target);
        return target;
    }

    public static string TempManifest(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), "entente-manifest-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    public static CvrImport Import(CvrFormat format, string manifest, params string[] files) =>
        VendorCvrs.Import(format, Path.IsPathRooted(manifest) ? manifest : P(manifest),
            [.. files.Select(f => Path.IsPathRooted(f) ? f : P(f))]);
}
