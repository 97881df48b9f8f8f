using System.Buffers;
using System.Globalization;
using System.Text;

namespace Entente.Election.Record;

/// <summary>
/// Writes canonical JSON (docs/record-format.md §"Canonical form"): no whitespace at all, members in
/// the order the caller writes them, strings as raw UTF-8 with only <c>"</c>, <c>\</c> and the C0
/// controls escaped (<c>\b \f \n \r \t</c>, otherwise <c>\u00xx</c> in lowercase hex, as the
/// reference implementation writes them), integers in plain decimal. The same object therefore always
/// gives the same bytes.
/// </summary>
internal sealed class CanonicalJsonWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Stack<bool> _needsComma = new();
    private bool _afterName;

    public byte[] ToArray()
    {
        if (_needsComma.Count != 0)
        {
            throw new InvalidOperationException("unclosed JSON object or array");
        }

        return _buffer.WrittenSpan.ToArray();
    }

    public void StartObject()
    {
        BeforeValue();
        Raw("{"u8);
        _needsComma.Push(false);
    }

    public void EndObject()
    {
        _needsComma.Pop();
        Raw("}"u8);
    }

    public void StartArray()
    {
        BeforeValue();
        Raw("["u8);
        _needsComma.Push(false);
    }

    public void EndArray()
    {
        _needsComma.Pop();
        Raw("]"u8);
    }

    public void Name(string name)
    {
        BeforeValue();
        WriteString(name);
        Raw(":"u8);
        _afterName = true;
    }

    public void String(string value)
    {
        BeforeValue();
        WriteString(value);
    }

    public void Number(long value)
    {
        BeforeValue();
        Raw(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));
    }

    public void Boolean(bool value)
    {
        BeforeValue();
        Raw(value ? "true"u8 : "false"u8);
    }

    public void Property(string name, string value)
    {
        Name(name);
        String(value);
    }

    public void Property(string name, long value)
    {
        Name(name);
        Number(value);
    }

    /// <summary>Writes an already canonical JSON value as it is.</summary>
    public void RawValue(byte[] canonicalValue)
    {
        BeforeValue();
        Raw(canonicalValue.AsSpan());
    }

    /// <summary>Bytes as fixed-width uppercase hex (two digits per byte, leading zeros kept).</summary>
    public void Hex(ReadOnlySpan<byte> bytes)
    {
        BeforeValue();
        Raw("\""u8);
        Raw(Encoding.ASCII.GetBytes(Convert.ToHexString(bytes)));
        Raw("\""u8);
    }

    public void PropertyHex(string name, ReadOnlySpan<byte> bytes)
    {
        Name(name);
        Hex(bytes);
    }

    private void BeforeValue()
    {
        if (_afterName)
        {
            _afterName = false;
            return;
        }

        if (_needsComma.Count > 0)
        {
            if (_needsComma.Peek())
            {
                Raw(","u8);
            }
            else
            {
                _needsComma.Pop();
                _needsComma.Push(true);
            }
        }
    }

    private void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    private void WriteString(string value)
    {
        Raw("\""u8);
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                throw new ArgumentException("string contains an unpaired surrogate", nameof(value));
            }

            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (escape is not null)
            {
                Raw(Encoding.UTF8.GetBytes(value.AsSpan(start, i - start).ToString()));
                Raw(Encoding.ASCII.GetBytes(escape));
                start = i + 1;
            }
        }

        Raw(Encoding.UTF8.GetBytes(value.AsSpan(start).ToString()));
        Raw("\""u8);
    }
}
