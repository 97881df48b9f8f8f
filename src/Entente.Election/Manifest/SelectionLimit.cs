using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Election.Manifest;

/// <summary>
/// A selection limit as stated in a manifest (serialization draft §"Selection Limits"): a small
/// integer (0 ≤ x &lt; 2^31), or the word <c>NO_LIMIT</c> (contests) or <c>CONTEST_LIMIT</c> (options).
/// </summary>
[JsonConverter(typeof(StatedLimitJsonConverter))]
public readonly record struct StatedLimit
{
    private StatedLimit(int value, string? word)
    {
        Value = value;
        Word = word;
    }

    /// <summary>The integer value, meaningful only when <see cref="IsInteger"/>.</summary>
    public int Value { get; }

    /// <summary><c>NO_LIMIT</c>, <c>CONTEST_LIMIT</c>, or null for an integer.</summary>
    public string? Word { get; }

    /// <summary>True for an integer limit.</summary>
    public bool IsInteger => Word is null;

    /// <summary>The contest word meaning "no contest limit of its own".</summary>
    public const string NoLimit = "NO_LIMIT";

    /// <summary>The option word meaning "the contest's limit".</summary>
    public const string ContestLimit = "CONTEST_LIMIT";

    /// <summary>An integer limit.</summary>
    public static StatedLimit Of(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new StatedLimit(value, null);
    }

    /// <summary>The word <c>NO_LIMIT</c>.</summary>
    public static StatedLimit NoLimitWord { get; } = new(0, NoLimit);

    /// <summary>The word <c>CONTEST_LIMIT</c>.</summary>
    public static StatedLimit ContestLimitWord { get; } = new(0, ContestLimit);

    /// <inheritdoc/>
    public override string ToString() => Word ?? Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reads and writes a <see cref="StatedLimit"/> as a JSON number or string.</summary>
internal sealed class StatedLimitJsonConverter : JsonConverter<StatedLimit>
{
    public override StatedLimit Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetInt32(out int value) || value < 0)
            {
                throw new JsonException("a selection limit must be an integer from 0 to 2147483647");
            }

            return StatedLimit.Of(value);
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            string? word = reader.GetString();
            return word switch
            {
                StatedLimit.NoLimit => StatedLimit.NoLimitWord,
                StatedLimit.ContestLimit => StatedLimit.ContestLimitWord,
                _ => throw new JsonException($"a selection limit must be an integer, \"{StatedLimit.NoLimit}\" or \"{StatedLimit.ContestLimit}\""),
            };
        }

        throw new JsonException("a selection limit must be an integer or a string");
    }

    public override void Write(Utf8JsonWriter writer, StatedLimit value, JsonSerializerOptions options)
    {
        if (value.IsInteger)
        {
            writer.WriteNumberValue(value.Value);
        }
        else
        {
            writer.WriteStringValue(value.Word);
        }
    }
}
