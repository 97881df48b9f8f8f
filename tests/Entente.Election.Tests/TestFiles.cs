namespace Entente.Election.Tests;

/// <summary>Paths of the data copied next to the test assembly.</summary>
internal static class TestFiles
{
    public static string Vector(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "electionguard-records", name);

    public static string Manifest(string name) => Path.Combine(AppContext.BaseDirectory, "manifests", name);

    public static byte[] Bytes(string path) => File.ReadAllBytes(path);

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "entente-election-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
