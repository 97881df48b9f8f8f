using System.Text;

namespace Entente.Transparency.Notes;

/// <summary>The outcome of opening a note: which signatures verified and which were from unknown keys.</summary>
/// <param name="Note">The note.</param>
/// <param name="Verified">The verifiers whose signature verified.</param>
/// <param name="Unverified">Signatures from keys not in the verifier list (ignored).</param>
public sealed record OpenedNote(SignedNote Note, IReadOnlyList<INoteVerifier> Verified, IReadOnlyList<NoteSignature> Unverified);

/// <summary>
/// The signed-note verification rules: a signature whose (name, key ID) is not known is ignored; one whose
/// name and ID both match a known key must verify or the whole note is rejected; at least one must verify.
/// A verifier list with the same (name, ID) twice is ambiguous when the note uses that key.
/// </summary>
public static class NoteVerification
{
    /// <summary>Opens <paramref name="note"/> with <paramref name="verifiers"/>, or throws <see cref="NoteVerificationException"/>.</summary>
    public static OpenedNote Open(SignedNote note, IEnumerable<INoteVerifier> verifiers)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(verifiers);
        Dictionary<(string, uint), List<INoteVerifier>> known = [];
        foreach (INoteVerifier v in verifiers)
        {
            if (!known.TryGetValue((v.Name, v.KeyId), out List<INoteVerifier>? list))
            {
                known[(v.Name, v.KeyId)] = list = [];
            }

            list.Add(v);
        }

        byte[] text = Encoding.UTF8.GetBytes(note.Text);
        List<INoteVerifier> verified = [];
        List<NoteSignature> unverified = [];
        foreach (NoteSignature s in note.Signatures)
        {
            if (!known.TryGetValue((s.Name, s.KeyId), out List<INoteVerifier>? list))
            {
                unverified.Add(s);
                continue;
            }

            if (list.Count > 1)
            {
                throw new NoteVerificationException(NoteVerificationFailure.AmbiguousKey, $"ambiguous key {s.Name}+{s.KeyId:x8}");
            }

            if (!list[0].Verify(text, s.Signature))
            {
                throw new NoteVerificationException(NoteVerificationFailure.InvalidSignature, $"invalid signature for key {s.Name}+{s.KeyId:x8}");
            }

            if (!verified.Contains(list[0]))
            {
                verified.Add(list[0]);
            }
        }

        if (verified.Count == 0)
        {
            throw new NoteVerificationException(NoteVerificationFailure.NoVerifiableSignatures, "note has no verifiable signatures");
        }

        return new OpenedNote(note, verified, unverified);
    }

    /// <summary>True when a signature by <paramref name="verifier"/> is on the note and verifies.</summary>
    public static bool HasValidSignature(SignedNote note, INoteVerifier verifier)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(verifier);
        byte[] text = Encoding.UTF8.GetBytes(note.Text);
        return note.Signatures.Any(s => s.Name == verifier.Name && s.KeyId == verifier.KeyId && verifier.Verify(text, s.Signature));
    }
}
