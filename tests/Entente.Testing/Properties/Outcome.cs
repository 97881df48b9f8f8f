using Xunit.Sdk;

namespace Entente.Testing.Properties;

/// <summary>
/// The one rule every parser property shares: a parser either returns a value or refuses the input with its
/// module's own exception type, whose message says what is wrong. Any other exception fails the property.
/// </summary>
public static class Outcome
{
    /// <summary>
    /// Runs <paramref name="parse"/>: its value, or default when it threw <typeparamref name="TException"/> (or a
    /// subtype) with a message. Any other exception propagates and fails the property.
    /// </summary>
    public static T? Of<T, TException>(Func<T> parse)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse();
        }
        catch (TException e)
        {
            if (string.IsNullOrWhiteSpace(e.Message))
            {
                throw new XunitException($"{typeof(TException).Name} without a message", e);
            }

            return default;
        }
    }

    /// <summary>True when <paramref name="parse"/> succeeded, false when it refused with <typeparamref name="TException"/>.</summary>
    public static bool Accepts<TException>(Action parse)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Of<bool, TException>(() =>
        {
            parse();
            return true;
        });
    }
}
