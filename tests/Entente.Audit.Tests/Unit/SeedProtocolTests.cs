using System.Security.Cryptography;
using System.Text;
using Entente.Audit.Seed;

namespace Entente.Audit.Tests.Unit;

public class SeedProtocolTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly SeedSchedule Schedule = new("audit-1", ["Blue", "Red"], T0.AddHours(1), T0.AddHours(2), T0.AddHours(3));
    private static readonly byte[] BlueSecret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] RedSecret = [.. Enumerable.Range(101, 32).Select(i => (byte)i)];

    private static SeedLogRecord R(long index, string party, SeedRecordKind kind, byte[] payload, DateTimeOffset at) => new("audit-1", party, kind, payload, index, at);

    private static List<SeedLogRecord> Honest() =>
    [
        R(0, "Blue", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Blue", BlueSecret), T0.AddMinutes(1)),
        R(1, "Red", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Red", RedSecret), T0.AddMinutes(2)),
        R(2, "Red", SeedRecordKind.Reveal, RedSecret, T0.AddMinutes(61)),
        R(3, "Blue", SeedRecordKind.Reveal, BlueSecret, T0.AddMinutes(62)),
    ];

    [Fact]
    public void The_commitment_is_domain_separated_SHA256_over_length_prefixed_fields()
    {
        byte[] expected = SHA256.HashData([.. "entente/audit/seed/v1/commit\0"u8, 0, 0, 0, 7, .. "audit-1"u8, 0, 0, 0, 4, .. "Blue"u8, .. BlueSecret]);
        Assert.Equal(expected, SeedProtocol.Commitment("audit-1", "Blue", BlueSecret));
        Assert.NotEqual(expected, SeedProtocol.Commitment("audit-2", "Blue", BlueSecret));
        Assert.NotEqual(expected, SeedProtocol.Commitment("audit-1", "Red", BlueSecret));
    }

    [Fact]
    public void The_seed_hashes_every_reveal_in_log_order_with_the_documented_bytes()
    {
        SeedResult result = SeedProtocol.Evaluate(Schedule, Honest(), T0.AddHours(3));
        byte[] expected = SHA256.HashData([.. "entente/audit/seed/v1/seed\0"u8, 0, 0, 0, 7, .. "audit-1"u8, 0, 0, 0, 2,
            1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, .. "Red"u8, 0, 0, 0, 32, .. RedSecret,
            1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, .. "Blue"u8, 0, 0, 0, 32, .. BlueSecret]);
        Assert.Equal(Convert.ToHexStringLower(expected), result.Seed);
        Assert.True(result.IsFinal);
        Assert.All(result.Parties, p => Assert.Equal(PartyOutcome.Revealed, p.Outcome));
        Assert.Empty(result.Ignored);
    }

    [Fact]
    public void Anyone_recomputes_the_same_seed_and_it_is_not_available_before_the_deadline()
    {
        Assert.Equal(SeedProtocol.Evaluate(Schedule, Honest(), T0.AddHours(5)).Seed, SeedProtocol.Evaluate(Schedule, Honest(), T0.AddHours(3)).Seed);
        SeedResult early = SeedProtocol.Evaluate(Schedule, Honest(), T0.AddMinutes(90));
        Assert.Null(early.Seed);
        Assert.False(early.IsFinal);
    }

    [Fact]
    public void A_party_that_does_not_reveal_in_time_is_recorded_and_the_others_make_the_seed()
    {
        List<SeedLogRecord> records = Honest();
        records[3] = records[3] with { Timestamp = T0.AddHours(2) };
        SeedResult result = SeedProtocol.Evaluate(Schedule, records, T0.AddHours(3));
        Assert.Equal(PartyOutcome.DidNotReveal, result.Parties.Single(p => p.Party == "Blue").Outcome);
        Assert.Equal(PartyOutcome.Revealed, result.Parties.Single(p => p.Party == "Red").Outcome);
        Assert.Contains(result.Ignored, i => i.Contains("after the reveal deadline", StringComparison.Ordinal));
        Assert.NotNull(result.Seed);
        Assert.NotEqual(SeedProtocol.Evaluate(Schedule, Honest(), T0.AddHours(3)).Seed, result.Seed);
    }

    [Fact]
    public void A_reveal_that_does_not_match_the_commitment_does_not_count()
    {
        List<SeedLogRecord> records = Honest();
        byte[] other = (byte[])BlueSecret.Clone();
        other[0] ^= 1;
        records[3] = records[3] with { Payload = other };
        SeedResult result = SeedProtocol.Evaluate(Schedule, records, T0.AddHours(3));
        Assert.Equal(PartyOutcome.DidNotReveal, result.Parties.Single(p => p.Party == "Blue").Outcome);
        Assert.Contains(result.Ignored, i => i.Contains("does not match", StringComparison.Ordinal));
    }

    [Fact]
    public void Premature_reveals_late_commitments_second_commitments_and_strangers_are_ignored()
    {
        List<SeedLogRecord> records =
        [
            R(0, "Blue", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Blue", BlueSecret), T0),
            R(1, "Blue", SeedRecordKind.Reveal, BlueSecret, T0.AddMinutes(5)),
            R(2, "Blue", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Blue", RedSecret), T0.AddMinutes(6)),
            R(3, "Mallory", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Mallory", RedSecret), T0.AddMinutes(7)),
            R(4, "Red", SeedRecordKind.Commit, SeedProtocol.Commitment("audit-1", "Red", RedSecret), T0.AddHours(1)),
            R(5, "Red", SeedRecordKind.Reveal, RedSecret, T0.AddMinutes(70)),
        ];
        SeedResult result = SeedProtocol.Evaluate(Schedule, records, T0.AddHours(3));
        Assert.Equal(5, result.Ignored.Count);
        Assert.Equal(PartyOutcome.DidNotCommit, result.Parties.Single(p => p.Party == "Red").Outcome);
        Assert.Equal(PartyOutcome.DidNotReveal, result.Parties.Single(p => p.Party == "Blue").Outcome);
        Assert.Null(result.Seed);
    }

    [Fact]
    public void Dice_count_only_inside_their_window_and_change_the_seed()
    {
        List<SeedLogRecord> records = Honest();
        records.Add(R(4, "public", SeedRecordKind.Dice, Encoding.ASCII.GetBytes("31415926"), T0.AddMinutes(150)));
        records.Add(R(5, "public", SeedRecordKind.Dice, Encoding.ASCII.GetBytes("27"), T0.AddHours(3)));
        records.Add(R(6, "public", SeedRecordKind.Dice, Encoding.ASCII.GetBytes("12a"), T0.AddMinutes(151)));
        SeedResult result = SeedProtocol.Evaluate(Schedule, records, T0.AddHours(3));
        Assert.Equal(2, result.Ignored.Count);
        Assert.NotEqual(SeedProtocol.Evaluate(Schedule, Honest(), T0.AddHours(3)).Seed, result.Seed);
    }

    [Fact]
    public void Records_out_of_log_order_are_refused()
    {
        List<SeedLogRecord> records = Honest();
        (records[1], records[2]) = (records[2], records[1]);
        Assert.Throws<ArgumentException>(() => SeedProtocol.Evaluate(Schedule, records, T0.AddHours(3)));
    }

    [Fact]
    public void A_records_text_never_shows_its_payload()
    {
        SeedLogRecord r = Honest()[3];
        Assert.DoesNotContain(Convert.ToHexString(BlueSecret), r.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_file_log_appends_durably_in_order_and_detects_edits()
    {
        string path = Path.Combine(Path.GetTempPath(), "entente-log-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            FileAuditLog log = new(path);
            await log.AppendAsync("audit-1", "Blue", SeedRecordKind.Commit, new byte[32], CancellationToken.None);
            await log.AppendAsync("audit-2", "Red", SeedRecordKind.Commit, new byte[32], CancellationToken.None);
            SeedLogRecord third = await log.AppendAsync("audit-1", "Blue", SeedRecordKind.Reveal, BlueSecret, CancellationToken.None);
            Assert.Equal(2, third.LogIndex);
            IReadOnlyList<SeedLogRecord> mine = await new FileAuditLog(path).ReadAsync("audit-1", CancellationToken.None);
            Assert.Equal([0L, 2L], mine.Select(r => r.LogIndex));
            Assert.Equal(BlueSecret, mine[1].Payload.ToArray());
            string[] lines = await File.ReadAllLinesAsync(path);
            await File.WriteAllLinesAsync(path, [lines[0], lines[2]]);
            Io.AuditInputException e = await Assert.ThrowsAsync<Io.AuditInputException>(() => log.ReadAsync("audit-1", CancellationToken.None));
            Assert.Equal(2, e.Row);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
