// The audit boards' keys (issue #18, "A screen for audit boards"; docs/audit.md, "The audit-board screen"). Canonical JSON,
// members in this order, no whitespace:
//
//   audit.board          {"audit": id, "board": name, "members": [name, name], "key": base64 of a 32-byte Ed25519 public key}
//                        an auditor registers an audit board of the audit: its two members and the key its page signs with;
//   audit.board-revoked  {"audit": id, "board": name}
//                        an auditor revokes that key: the board refuses its entries from then on, and the verifier refuses
//                        any entry of that key logged after the revocation.
//
// An entry signed by a registered key names as its party "auditboard-" followed by the first 16 lowercase hex digits of
// SHA-256 of the public key (AuditBoardKeys.PartyOf).
// Ids on the board: audit:board for a registration, audit:board:revoked for a revocation.
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Trail;

/// <summary>An audit board registered for an audit: its members and the public key its page signs with.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Board">The audit board's name.</param>
/// <param name="Members">Its two members.</param>
/// <param name="PublicKey">Its 32-byte Ed25519 public key.</param>
public sealed record AuditBoardArtifact(string AuditId, string Board, IReadOnlyList<string> Members, byte[] PublicKey)
{
    /// <summary>The registration's id on the board: <c>audit:board</c>.</summary>
    public string Id => AuditId + ":" + Board;

    /// <summary>The party name of the entries this key signs.</summary>
    public string Party => AuditBoardKeys.PartyOf(PublicKey);
}

/// <summary>The revocation of an audit board's key.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Board">The audit board's name.</param>
public sealed record AuditBoardRevokedArtifact(string AuditId, string Board)
{
    /// <summary>The revocation's id on the board: <c>audit:board:revoked</c>.</summary>
    public string Id => AuditId + ":" + Board + ":revoked";
}

/// <summary>The party names of audit-board keys.</summary>
public static class AuditBoardKeys
{
    /// <summary>The prefix of every audit-board key's party name.</summary>
    public const string PartyPrefix = "auditboard-";

    /// <summary><c>auditboard-</c> and the first 16 lowercase hex digits of SHA-256 of the public key.</summary>
    public static string PartyOf(ReadOnlySpan<byte> publicKey) => PartyPrefix + Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    /// <summary>True when <paramref name="party"/> is an audit-board key's name (not a charter member's).</summary>
    public static bool IsAuditBoardParty(string? party) => party is not null && party.StartsWith(PartyPrefix, StringComparison.Ordinal);
}

public static partial class AuditTrailArtifacts
{
    /// <summary>Log entry type of an audit board's registration.</summary>
    public const string BoardType = "audit.board";

    /// <summary>Log entry type of an audit board's revocation.</summary>
    public const string BoardRevokedType = "audit.board-revoked";

    /// <summary>Canonical bytes of a registration.</summary>
    public static byte[] Write(AuditBoardArtifact board)
    {
        ArgumentNullException.ThrowIfNull(board);
        return Json(w =>
        {
            w.WriteString("audit", board.AuditId);
            w.WriteString("board", board.Board);
            w.WriteStartArray("members");
            foreach (string m in board.Members)
            {
                w.WriteStringValue(m);
            }

            w.WriteEndArray();
            w.WriteString("key", Convert.ToBase64String(board.PublicKey));
        });
    }

    /// <summary>Canonical bytes of a revocation.</summary>
    public static byte[] Write(AuditBoardRevokedArtifact revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        return Json(w =>
        {
            w.WriteString("audit", revoked.AuditId);
            w.WriteString("board", revoked.Board);
        });
    }

    /// <summary>Reads a registration strictly: two different members, a 32-byte key in canonical base64, a board name without ':'.</summary>
    public static AuditBoardArtifact ReadBoard(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        Members(file, o, "", "audit", "board", "members", "key");
        List<string> members = [];
        foreach (JsonElement m in Array(file, o, "members"))
        {
            members.Add(m is { ValueKind: JsonValueKind.String } s && s.GetString() is { } name && name.Trim().Length > 0 ? name
                : throw new AuditInputException(file, 0, "members", "every member is named"));
        }

        if (members.Count != 2 || members[0] == members[1])
        {
            throw new AuditInputException(file, 0, "members", "an audit board is two different people; name both");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(Str(file, o, "key"));
        }
        catch (FormatException)
        {
            throw new AuditInputException(file, 0, "key", "base64 of a 32-byte Ed25519 public key is required");
        }

        if (key.Length != 32)
        {
            throw new AuditInputException(file, 0, "key", $"an Ed25519 public key is 32 bytes, not {key.Length}");
        }

        return Canonical(file, bytes, new AuditBoardArtifact(Str(file, o, "audit"), BoardName(file, o), members, key), Write);
    }

    /// <summary>Reads a revocation strictly.</summary>
    public static AuditBoardRevokedArtifact ReadBoardRevoked(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        Members(file, o, "", "audit", "board");
        return Canonical(file, bytes, new AuditBoardRevokedArtifact(Str(file, o, "audit"), BoardName(file, o)), Write);
    }

    /// <summary>True when the artifact is a revocation (it has no <c>key</c>), for the collection that holds both.</summary>
    public static bool IsRevocation(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
            return doc.RootElement.ValueKind == JsonValueKind.Object && !doc.RootElement.TryGetProperty("key", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string BoardName(string file, JsonElement o)
    {
        string name = Str(file, o, "board");
        return name.Length <= 64 && !name.Contains(':', StringComparison.Ordinal) && name.Trim() == name && !name.Any(char.IsControl) ? name
            : throw new AuditInputException(file, 0, "board", "a board name is 1..64 characters, without ':', control characters or surrounding spaces");
    }
}
