using System.Text.Json;

namespace Entente.Transparency.Tests;

/// <summary>Loads the copied test vectors (tests/vectors/tlog, see its README for sources and licences).</summary>
internal static class Vectors
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors", "tlog");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static JsonElement Json(string relative)
    {
        using FileStream stream = File.OpenRead(PathOf(relative));
        using JsonDocument doc = JsonDocument.Parse(stream);
        return doc.RootElement.Clone();
    }

    public static byte[] B64(JsonElement e) => e.ValueKind == JsonValueKind.Null ? [] : Convert.FromBase64String(e.GetString()!);

    public static byte[][] B64List(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(B64).ToArray() : [];
}
