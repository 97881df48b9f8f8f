using System.Text.Json;

namespace Entente.Exchange.Tests;

/// <summary>Access to tests/vectors/exchange (copied next to the test assembly).</summary>
internal static class Vectors
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "vectors", "exchange");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public static JsonElement Json(string relative)
    {
        using JsonDocument document = JsonDocument.Parse(Bytes(relative));
        return document.RootElement.Clone();
    }
}
