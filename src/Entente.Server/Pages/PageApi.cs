using System.Text;
using System.Text.Json.Serialization;
using Entente.Client.Board;
using Entente.Election.Decryption;
using Entente.Election.Manifest;
using Entente.Exchange;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Server.Board;
using Entente.Server.Endpoints;
using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Server.Pages;

/// <summary>What the ballot check page fetches and verifies itself (nothing here is trusted by the script).</summary>
/// <param name="Index">The ballot's log index.</param>
/// <param name="Entry">The signed log entry, base64.</param>
/// <param name="Proof">The inclusion proof in the checkpoint, hex hashes.</param>
/// <param name="Checkpoint">The published checkpoint (a signed note with its cosignatures).</param>
/// <param name="State">"cast" or "challenged".</param>
/// <param name="Code">The confirmation code as logged.</param>
/// <param name="Opening">A challenged ballot's opening, once on the board.</param>
public sealed record BallotCheckResponse(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("opening")] OpeningView? Opening);

/// <summary>A challenged ballot's opening as the pages show it: what the ballot encrypted, per contest.</summary>
/// <param name="Index">The log index of the opening (<c>ballot.opened</c>).</param>
/// <param name="Contests">Each contest with the value of each option.</param>
public sealed record OpeningView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("contests")] IReadOnlyList<OpenedContestView> Contests);

/// <summary>One contest of an opened ballot.</summary>
/// <param name="Label">The contest.</param>
/// <param name="Selections">Each option and its value (1: chosen).</param>
public sealed record OpenedContestView(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("selections")] IReadOnlyList<OpenedSelectionView> Selections);

/// <summary>One option of an opened contest.</summary>
/// <param name="Label">The option.</param>
/// <param name="Value">Its value.</param>
public sealed record OpenedSelectionView(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("value")] int Value);

/// <summary>
/// What the incident pages fetch to recheck one exchange message in the browser: the canonical envelope (null for a
/// message for its collection's readers only: the pages are public, and neither its plaintext nor its ciphertext is
/// served to anyone but its readers), the signature context of the envelope's format
/// (<see cref="BoardExchangeVerifier.SignatureContextOf"/>), the exchange leaf, the anchoring board entry, its index and
/// inclusion proof, and the published board checkpoint.
/// </summary>
public sealed record ExchangeMessageResponse(
    [property: JsonPropertyName("exchange_index")] long ExchangeIndex,
    [property: JsonPropertyName("envelope"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Envelope,
    [property: JsonPropertyName("confidential")] string? Confidential,
    [property: JsonPropertyName("sealed")] bool Sealed,
    [property: JsonPropertyName("signature_context")] string SignatureContext,
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("object_type")] string ObjectType,
    [property: JsonPropertyName("object_id")] string ObjectId,
    [property: JsonPropertyName("leaf")] string Leaf,
    [property: JsonPropertyName("board_index")] long BoardIndex,
    [property: JsonPropertyName("board_entry")] string BoardEntry,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof,
    [property: JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>
/// Confirmation codes as voters type them: any spacing, dashes and similar separators, any case. A code is H_C, 32
/// bytes: 64 hexadecimal characters.
/// </summary>
public static class ConfirmationCodes
{
    /// <summary>Characters in a confirmation code.</summary>
    public const int Length = 64;

    private const string Separators = " \t\r\n-‐‑‒–—_.:,/";

    /// <summary>
    /// The code in the board's form (uppercase hex, no separators), or null with <paramref name="problem"/> saying what is
    /// wrong (a character that is neither hexadecimal nor a separator; a wrong number of characters).
    /// </summary>
    public static string? Normalize(string? typed, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(typed))
        {
            problem = $"Type the confirmation code printed on your receipt: {Length} characters, 0–9 and A–F (spaces and dashes are ignored).";
            return null;
        }

        StringBuilder sb = new(Length);
        foreach (char c in typed)
        {
            if (char.IsAsciiHexDigit(c))
            {
                sb.Append(char.ToUpperInvariant(c));
            }
            else if (!Separators.Contains(c, StringComparison.Ordinal))
            {
                problem = $"\"{c}\" cannot be part of a confirmation code: it has only the characters 0–9 and A–F ({Length} of them; spaces and dashes are ignored).";
                return null;
            }
        }

        if (sb.Length != Length)
        {
            problem = $"A confirmation code has {Length} characters (0–9 and A–F); this one has {sb.Length} once spaces and dashes are left out.";
            return null;
        }

        return sb.ToString();
    }
}

/// <summary>The JSON documents of the pages' browser checks.</summary>
internal static class PageApi
{
    public static async Task<IResult> BallotCheckAsync(BoardPages pages, string typed, CancellationToken ct)
    {
        if (ConfirmationCodes.Normalize(typed, out string? problem) is not string code)
        {
            return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Not a confirmation code", problem!);
        }

        BoardArtifact? ballot = pages.Board.ByConfirmationCode(code) ?? pages.Board.ByConfirmationCode(code.ToLowerInvariant());
        if (ballot is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown confirmation code",
                $"No ballot with confirmation code {code} is on the board (log of {pages.Size} entries). Compare the {ConfirmationCodes.Length} characters with your receipt; a ballot sealed a moment ago may take a few seconds to reach the board.");
        }

        StoredCheckpoint checkpoint = await pages.CheckpointAsync(ct);
        if (ballot.Index >= checkpoint.Size)
        {
            return LogEndpoints.Problem(StatusCodes.Status409Conflict, "Not yet witnessed",
                $"Your ballot is on the board (log entry {ballot.Index}) but not yet in a checkpoint the witnesses have cosigned (size {checkpoint.Size}); try again in a few seconds.");
        }

        PageEntry? entry = await pages.EntryAsync(ballot.Index, ct);
        Hash256[] proof = await pages.Log.Reader.InclusionProofAsync(ballot.Index, checkpoint.Size, ct);
        bool challenged = ballot.Type == "ballot.challenged";
        OpeningView? opening = challenged ? await OpeningAsync(pages, ballot.Id, ct) : null;
        return TypedResults.Json(new BallotCheckResponse(ballot.Index, Convert.ToBase64String(entry!.Bytes), [.. proof.Select(p => p.ToHex())],
            Encoding.UTF8.GetString(checkpoint.Note), challenged ? "challenged" : "cast", ballot.Code ?? code, opening), PagesJsonContext.Default.BallotCheckResponse);
    }

    /// <summary>The opening of challenged ballot <paramref name="ballotId"/>, or null while it is not on the board.</summary>
    public static async Task<OpeningView?> OpeningAsync(BoardPages pages, string ballotId, CancellationToken ct)
    {
        if (pages.Board.Lookup(BoardKind.Challenged.Collection, ballotId) is not BoardArtifact artifact)
        {
            return null;
        }

        (OpenedBallot? opened, ElectionManifest? manifest) = await pages.StateAsync(
            s => (s.Opened.FirstOrDefault(o => string.Equals(o.Id.ToHex(), ballotId, StringComparison.OrdinalIgnoreCase)), s.Manifest), ct);
        if (opened is null || manifest is null)
        {
            return null;
        }

        return new OpeningView(artifact.Index, [.. opened.Contests.Select(c =>
        {
            Contest? contest = c.ContestIndex >= 1 && c.ContestIndex <= manifest.Contests.Count ? manifest.Contests[c.ContestIndex - 1] : null;
            return new OpenedContestView(contest?.Label ?? $"contest {c.ContestIndex}", [.. c.Selections.Select(s =>
                new OpenedSelectionView(contest is not null && s.OptionIndex >= 1 && s.OptionIndex <= contest.Options.Count ? contest.Options[s.OptionIndex - 1].Label : $"option {s.OptionIndex}", s.Value))]);
        })]);
    }

    public static async Task<IResult> ExchangeMessageAsync(BoardPages pages, long index, CancellationToken ct)
    {
        if (pages.Exchange is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No exchange", "This board hosts no incident exchange.");
        }

        (ExchangeEntry? entry, BoardExchangeProof? proof) = await pages.Exchange.ProveAsync(index, ct);
        if (entry is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown message", $"There is no exchange message {index}.");
        }

        if (proof is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Not yet witnessed", $"Exchange message {index} is not yet in the published (cosigned) checkpoint; try again in a few seconds.");
        }

        CollectionDefinition? collection = pages.Exchange.Service.Collections.FirstOrDefault(c => c.Id == entry.Collection);
        DisclosureDecision decision = DisclosurePolicy.ForEntry(collection, entry);
        return TypedResults.Json(new ExchangeMessageResponse(index, decision.IsPublic ? Convert.ToBase64String(entry.Envelope) : null, decision.IsPublic ? null : decision.Reason,
            entry.IsSealed, BoardExchangeVerifier.SignatureContextOf(entry), entry.Sender, entry.ObjectType, entry.ObjectId, Convert.ToBase64String(entry.ToLeafBytes()), proof.BoardIndex,
            Convert.ToBase64String(proof.BoardEntry), [.. proof.InclusionProof.Select(h => h.ToHex())], proof.Checkpoint), PagesJsonContext.Default.ExchangeMessageResponse);
    }
}
