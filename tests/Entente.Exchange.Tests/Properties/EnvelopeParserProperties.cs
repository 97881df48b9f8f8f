using System.Text;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;

namespace Entente.Exchange.Tests.Properties;

/// <summary>
/// Untrusted envelopes of both formats, mutated at random (fixed printed seeds): each mutant is either refused with a
/// <see cref="FormatException"/> or parsed to an envelope whose canonical form parses back to itself; never another
/// exception. Run longer by raising <see cref="Mutants"/>.
/// </summary>
public sealed class EnvelopeParserProperties : IDisposable
{
    private const int Mutants = 1500;
    private readonly ExchangeWorld _world = new();

    [Theory]
    [InlineData(20260101, true)]
    [InlineData(20260102, false)]
    public void Mutated_envelopes_are_parsed_consistently_or_refused_with_a_format_exception(int seed, bool sealedFormat)
    {
        byte[] valid = sealedFormat
            ? _world.SealTo(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Stix.Tlp.Red)).ToCanonicalJson()
            : _world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();
        Random random = new(seed);
        int parsed = 0;
        for (int i = 0; i < Mutants; i++)
        {
            byte[] mutant = Mutate(valid, random);
            IExchangeEnvelope envelope;
            try
            {
                envelope = ExchangeEnvelope.Parse(mutant);
            }
            catch (FormatException)
            {
                continue;
            }

            parsed++;
            byte[] canonical = envelope.ToCanonicalJson();
            Assert.Equal(canonical, ExchangeEnvelope.Parse(canonical).ToCanonicalJson());
            Assert.Equal(envelope.IsSealed, ExchangeEnvelope.IsSealed(canonical));
            if (envelope is SealedEnvelope s)
            {
                // Opening never throws on what parsed: it verifies or says why not.
                s.TryOpen(_world.RedEncryption, ExchangeWorld.RedId, out _, out _);
            }
        }

        Assert.InRange(parsed, 1, Mutants - 1); // both outcomes were exercised (seed {seed})
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] bytes = valid.ToArray();
        switch (random.Next(5))
        {
            case 0: // flip one bit
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 2: // replace a character inside a string value with another base64 or JSON character
                const string alphabet = "AZaz09+/=-_\"{}[],:\\ ";
                bytes[random.Next(bytes.Length)] = (byte)alphabet[random.Next(alphabet.Length)];
                return bytes;
            case 3: // drop a member-sized span
            {
                int at = random.Next(bytes.Length);
                int length = Math.Min(random.Next(1, 64), bytes.Length - at);
                return [.. bytes[..at], .. bytes[(at + length)..]];
            }

            default: // an equivalent value the canonical form does not use (whitespace, escapes)
                string text = Encoding.UTF8.GetString(bytes);
                return Encoding.UTF8.GetBytes(random.Next(2) == 0 ? text.Replace(",", ", ", StringComparison.Ordinal) : text.Replace("identity", "\\u0069dentity", StringComparison.Ordinal));
        }
    }

    public void Dispose() => _world.Dispose();
}
