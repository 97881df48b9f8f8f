using Entente.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// A compact proof of knowledge published in the key ceremony (eqs 10–11): the challenge c and the
/// responses v_0 … v_k (k for the polynomial coefficients, the last for the communication key).
/// </summary>
public sealed class CompactSchnorrProof
{
    /// <summary>Builds a proof; the caller checks the count of responses.</summary>
    public CompactSchnorrProof(ElementModQ challenge, IReadOnlyList<ElementModQ> responses)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(responses);
        Challenge = challenge;
        Responses = responses.ToArray();
    }

    /// <summary>c_i.</summary>
    public ElementModQ Challenge { get; }

    /// <summary>v_{i,0} … v_{i,k}.</summary>
    public IReadOnlyList<ElementModQ> Responses { get; }
}
