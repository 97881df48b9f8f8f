using System.Text.Json;

namespace Entente.Audit.Tests;

/// <summary>Loads the JSON vectors copied into tests/vectors/rla.</summary>
internal static class Vectors
{
    public static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "rla", name);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>A number that may be written as a JSON number or as an arithmetic string such as "1/1.8".</summary>
    public static double Number(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            return e.GetDouble();
        }

        string s = e.GetString()!;
        return Evaluate(s);
    }

    /// <summary>Evaluates the tiny expressions the vectors use: a/b, (x)^-n, products.</summary>
    public static double Evaluate(string s)
    {
        System.Data.DataTable table = new();
        s = s.Replace(" ", "", StringComparison.Ordinal);
        if (s.Contains('^', StringComparison.Ordinal))
        {
            // forms: "2^-5", "(1.1/0.6)^-5", "(1.1/0.6)^-5*0.6/0.1", "1.9^-5*10"
            int caret = s.IndexOf('^', StringComparison.Ordinal);
            string baseText = s[..caret].Trim('(', ')');
            string rest = s[(caret + 1)..];
            int end = 1;
            while (end < rest.Length && char.IsDigit(rest[end]))
            {
                end++;
            }

            double exponent = double.Parse(rest[..end], System.Globalization.CultureInfo.InvariantCulture);
            double value = Math.Pow(Evaluate(baseText), exponent);
            string tail = rest[end..];
            return tail.Length == 0 ? value : value * Evaluate(tail.TrimStart('*'));
        }

        return Convert.ToDouble(table.Compute(s, null), System.Globalization.CultureInfo.InvariantCulture);
    }
}
