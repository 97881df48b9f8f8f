using System.Text;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Storage;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Exchange.Log;

/// <summary>
/// One exchange message anchored on the election board (<see cref="BoardAnchor"/>): the exchange entry
/// (with its signed envelope), the board entry that commits to its leaf, that entry's index and inclusion
/// proof, and the board checkpoint (cosigned by the witnesses) the proof leads to.
/// </summary>
/// <param name="Entry">The exchange entry.</param>
/// <param name="BoardIndex">Index of the anchoring entry on the board log.</param>
/// <param name="BoardEntry">The anchoring board entry (a signed note, <c>entente.org/entry/v1</c>).</param>
/// <param name="InclusionProof">RFC 9162 inclusion proof of the board entry in the checkpoint's tree.</param>
/// <param name="Checkpoint">The board's signed and cosigned checkpoint note.</param>
public sealed record BoardExchangeProof(ExchangeEntry Entry, long BoardIndex, byte[] BoardEntry, IReadOnlyList<Hash256> InclusionProof, string Checkpoint);

/// <summary>The outcome of each check of a <see cref="BoardExchangeProof"/>, for display and for tests.</summary>
/// <param name="Signature">The envelope's Ed25519 signature verifies and its key is the sender's registered key.</param>
/// <param name="Leaf">The board entry is an <c>exchange.&lt;type&gt;</c> entry committing to the SHA-256 of this message's exchange leaf, signed by its board party.</param>
/// <param name="Inclusion">The board entry is included in the checkpoint's tree.</param>
/// <param name="Checkpoint">The checkpoint is signed by the board's log key and cosigned by the witnesses the policy requires.</param>
/// <param name="Failures">What failed, one line per failure (empty when all passed).</param>
public sealed record BoardExchangeVerification(bool Signature, bool Leaf, bool Inclusion, bool Checkpoint, IReadOnlyList<ProofFailure> Failures)
{
    /// <summary>Every check passed.</summary>
    public bool Valid => Failures.Count == 0;
}

/// <summary>
/// Checks a <see cref="BoardExchangeProof"/> without trusting the server: the envelope's signature and
/// key owner (the exchange's party registry), the chain envelope → leaf → board entry, the board
/// entry's signature by its party's board key, the inclusion proof, and the checkpoint against the
/// witness policy (log key and witness quorum). Collects every failure.
/// </summary>
public static class BoardExchangeVerifier
{
    /// <summary>Runs every check.</summary>
    /// <param name="proof">The message and its proofs.</param>
    /// <param name="parties">The exchange's registered parties.</param>
    /// <param name="policy">The board's witness policy (log key, witnesses, quorum).</param>
    /// <param name="boardKey">The board key of a board party name (from the charter), or null when unknown.</param>
    public static BoardExchangeVerification Verify(BoardExchangeProof proof, PartyRegistry parties, TrustPolicy policy, Func<string, INoteVerifier?> boardKey)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(parties);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(boardKey);
        List<ProofFailure> failures = [];

        IExchangeEnvelope envelope = ExchangeEnvelope.Parse(proof.Entry.Envelope, int.MaxValue, int.MaxValue);
        bool signature = envelope.VerifySignature();
        if (!signature)
        {
            failures.Add(new ProofFailure("signature", "the envelope's signature does not verify"));
        }

        if (!parties.TryGetByKey(envelope.PublicKey, out Party? owner))
        {
            signature = false;
            failures.Add(new ProofFailure("party", "the signing key is not a registered party's key"));
        }
        else if (owner.IdentityRef != envelope.Sender || envelope.Sender != proof.Entry.Sender)
        {
            signature = false;
            failures.Add(new ProofFailure("party", $"signed by {owner.Name} but the sender is {envelope.Sender}"));
        }

        if (!EntryMatchesEnvelope(proof.Entry, envelope))
        {
            signature = false;
            failures.Add(new ProofFailure("signature", "the entry's collection, object id, type or version differs from the signed envelope's"));
        }

        bool leaf = CheckBoardEntry(proof, boardKey, failures);

        bool checkpointOk = false;
        bool inclusion = false;
        try
        {
            SignedNote note = SignedNote.Parse(proof.Checkpoint);
            PolicyResult result = policy.Check(note);
            checkpointOk = result.Valid;
            if (!result.LogSignatureValid)
            {
                failures.Add(new ProofFailure("checkpoint", "the checkpoint is not signed by the board's log key"));
            }
            else if (!result.QuorumMet)
            {
                failures.Add(new ProofFailure("checkpoint", $"the witness quorum is not met: cosigned by [{string.Join(", ", result.Cosigned)}], invalid [{string.Join(", ", result.InvalidCosignatures)}]"));
            }

            Checkpoint c = Transparency.Checkpoint.Parse(note.Text);
            if (proof.BoardIndex >= c.Size)
            {
                failures.Add(new ProofFailure("inclusion", $"board index {proof.BoardIndex} is beyond the checkpoint's size {c.Size}"));
            }
            else
            {
                inclusion = MerkleMath.VerifyInclusion(proof.BoardIndex, c.Size, Rfc6962.LeafHash(proof.BoardEntry), proof.InclusionProof, c.Root);
                if (!inclusion)
                {
                    failures.Add(new ProofFailure("inclusion", $"board entry {proof.BoardIndex} is not in the tree of size {c.Size} with root {c.Root.ToHex()}"));
                }
            }
        }
        catch (Exception e) when (e is NoteFormatException or FormatException)
        {
            failures.Add(new ProofFailure("checkpoint", "the checkpoint is malformed: " + e.Message));
        }

        return new BoardExchangeVerification(signature, leaf, inclusion, checkpointOk, failures);
    }

    /// <summary>True when the entry's indexed fields are the ones the signed (or sealed) envelope names.</summary>
    internal static bool EntryMatchesEnvelope(ExchangeEntry entry, IExchangeEnvelope envelope) =>
        entry.Collection == envelope.Collection && entry.Sender == envelope.Sender && entry.ObjectId == envelope.ObjectId
        && entry.ObjectType == envelope.ObjectType && entry.ObjectVersion == envelope.ObjectVersion;

    private static bool CheckBoardEntry(BoardExchangeProof proof, Func<string, INoteVerifier?> boardKey, List<ProofFailure> failures)
    {
        LogEntry entry;
        SignedNote note;
        try
        {
            (entry, note) = LogEntry.Parse(proof.BoardEntry);
        }
        catch (NoteFormatException e)
        {
            failures.Add(new ProofFailure("leaf", "the board entry is malformed: " + e.Message));
            return false;
        }

        bool ok = true;
        if (entry.Type != BoardAnchor.BoardType(proof.Entry.ObjectType))
        {
            failures.Add(new ProofFailure("leaf", $"the board entry's type is {entry.Type}, not {BoardAnchor.BoardType(proof.Entry.ObjectType)}"));
            ok = false;
        }

        if (entry.Sha256 != Hash256.Compute(proof.Entry.ToLeafBytes()))
        {
            failures.Add(new ProofFailure("leaf", "the board entry does not commit to this message's exchange leaf (SHA-256 differs)"));
            ok = false;
        }

        INoteVerifier? key = boardKey(entry.Party);
        if (key is null || !NoteVerification.HasValidSignature(note, key))
        {
            failures.Add(new ProofFailure("leaf", $"the board entry is not signed by the board key of {entry.Party}"));
            ok = false;
        }

        return ok;
    }

    /// <summary>The text a browser needs to recheck a signed (plaintext) envelope's signature: the signed message is this prefix plus the canonical envelope without its signature member.</summary>
    public static string SignatureContext => SignedEnvelope.Format + " signature\n";

    /// <summary>The signature prefix of <paramref name="entry"/>'s envelope: <see cref="SignatureContext"/>, or <c>"entente-exchange-sealed/v1 signature\n"</c> for a sealed one (<see cref="SignedPart"/> works for both).</summary>
    public static string SignatureContextOf(ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (entry.IsSealed ? Sealing.SealedEnvelope.Format : SignedEnvelope.Format) + " signature\n";
    }

    /// <summary>The canonical envelope without its <c>signature</c> member (the last member in RFC 8785 order), as signed.</summary>
    public static byte[] SignedPart(ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string json = Encoding.UTF8.GetString(entry.Envelope);
        int at = json.LastIndexOf(",\"signature\":", StringComparison.Ordinal);
        return at < 0 ? entry.Envelope : Encoding.UTF8.GetBytes(json[..at] + "}");
    }
}
