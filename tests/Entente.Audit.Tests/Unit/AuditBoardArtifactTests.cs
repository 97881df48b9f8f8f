using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Trail;

namespace Entente.Audit.Tests.Unit;

/// <summary>
/// The audit-board artifacts (docs/audit.md, "The audit-board screen") and reading corrections read back exactly what was
/// written, and malformed ones are refused naming the member.
/// </summary>
public sealed class AuditBoardArtifactTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void A_registration_a_revocation_and_a_correction_read_back_as_written()
    {
        AuditBoardArtifact board = new("audit-1", "Board 1", ["Ada Blue", "Rui Red"], Key);
        byte[] bytes = AuditTrailArtifacts.Write(board);
        Assert.Equal("{\"audit\":\"audit-1\",\"board\":\"Board 1\",\"members\":[\"Ada Blue\",\"Rui Red\"],\"key\":\"" + Convert.ToBase64String(Key) + "\"}", Encoding.UTF8.GetString(bytes));
        AuditBoardArtifact read = AuditTrailArtifacts.ReadBoard("b", bytes);
        Assert.Equal(Key, read.PublicKey);
        Assert.Equal("audit-1:Board 1", read.Id);
        Assert.Equal("auditboard-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Key))[..16], read.Party);
        Assert.False(AuditTrailArtifacts.IsRevocation(bytes));

        byte[] revoked = AuditTrailArtifacts.Write(new AuditBoardRevokedArtifact("audit-1", "Board 1"));
        Assert.True(AuditTrailArtifacts.IsRevocation(revoked));
        Assert.Equal("audit-1:Board 1:revoked", AuditTrailArtifacts.ReadBoardRevoked("r", revoked).Id);

        AuditReadingArtifact correction = new("audit-1", 2, "Board 1", "T1", "B1", 7, true, [new("Mayor", true, ["Bob"])]) { Corrects = 1 };
        byte[] c = AuditTrailArtifacts.Write(correction);
        Assert.Contains("\"position\":7,\"corrects\":1,\"found\":true", Encoding.UTF8.GetString(c), StringComparison.Ordinal);
        AuditReadingArtifact back = AuditTrailArtifacts.ReadReading("c", c);
        Assert.Equal((1, 2, "audit-1:2:T1|B1|7:2"), (back.Corrects, back.Version, back.Id));
        Assert.Null(AuditTrailArtifacts.ReadReading("c", AuditTrailArtifacts.Write(correction with { Corrects = null })).Corrects);
    }

    [Theory]
    [InlineData("{\"audit\":\"a\",\"board\":\"B:1\",\"members\":[\"A\",\"B\"],\"key\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"}", "board")]
    [InlineData("{\"audit\":\"a\",\"board\":\"B1\",\"members\":[\"A\",\"A\"],\"key\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\"}", "members")]
    [InlineData("{\"audit\":\"a\",\"board\":\"B1\",\"members\":[\"A\",\"B\"],\"key\":\"AQID\"}", "key")]
    [InlineData("{\"audit\":\"a\",\"board\":\"B1\",\"members\":[\"A\",\"B\"],\"key\":\"not base64!\"}", "key")]
    [InlineData("{\"audit\":\"a\",\"board\":\"B1\",\"members\":[\"A\",\"B\"]}", "key")]
    public void A_malformed_registration_is_refused_naming_the_member(string json, string member)
    {
        AuditInputException e = Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadBoard("board.json", Encoding.UTF8.GetBytes(json)));
        Assert.Contains(member, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correction_of_version_zero_is_refused()
    {
        byte[] bad = Encoding.UTF8.GetBytes("{\"audit\":\"a\",\"round\":1,\"board\":\"B1\",\"tabulator\":null,\"batch\":\"B\",\"position\":1,\"corrects\":0,\"found\":false,\"contests\":[]}");
        AuditInputException e = Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadReading("r.json", bad));
        Assert.Contains("corrects", e.Message, StringComparison.Ordinal);
    }
}
