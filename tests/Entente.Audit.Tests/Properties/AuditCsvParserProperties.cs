using System.Globalization;
using System.Text;
using CsCheck;
using Entente.Audit.Io;
using Entente.Audit.Statistics;
using Entente.Testing.Properties;
using Xunit.Abstractions;

namespace Entente.Audit.Tests.Properties;

/// <summary>
/// The audit's CSV inputs under random and mutated files: the generic reader, ballot manifests, cast vote records,
/// batch tallies, reported results and the risk inputs (sample tallies, discrepancy counts, batch draws, manual vote
/// records). CSV is not canonical (quotes, white space, encodings), so a parsed table must read back the same from
/// its own plain RFC 4180 rewrite, and every input either gives a value that keeps the documented invariants or is
/// refused with <see cref="AuditInputException"/> naming the row and column; never another exception.
/// </summary>
public sealed class AuditCsvParserProperties(ITestOutputHelper output)
{
    private static readonly Gen<string> Word = Gen.OneOf(
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABC0123456789"], 1, 8],
        Gen.OneOf("B 1", "Box 2", "O'Brien", "Smith, J.", "say \"hi\"", "line\nbreak", "\u00e9t\u00e9", "\u20ac5", "\U0001F600", "-", "x"));

    private static readonly Gen<string> Count = Gen.OneOf(Gen.Long[0, 40].Select(n => n.ToString(CultureInfo.InvariantCulture)), Gen.Const("1"));

    [Fact]
    public void Csv_tables_read_the_same_from_their_own_rewrite_or_are_refused_with_AuditInputException()
    {
        Gen<byte[]> tables = Gen.Int[1, 5].SelectMany(columns => Gen.Select(
            Gen.Shuffle(new[] { "Batch", "Ballots", "Contest", "Choice", "Votes", "Tabulator", "Container", "Position" }, columns),
            Word.Array[columns, columns].Array[0, 6],
            (header, rows) => Encoding.UTF8.GetBytes(CsvWriter.Document([CsvWriter.Line(header), .. rows.Select(r => CsvWriter.Line(r))]))));
        PropertyRunner.Check(output, Mutations.Of(tables), input =>
        {
            CsvTable? table = Outcome.Of<CsvTable, AuditInputException>(() => CsvTable.Parse(input.Bytes, "input.csv"));
            if (table is null)
            {
                return;
            }

            Assert.All(table.Rows, r => Assert.Equal(table.Header.Count, r.Cells.Count));
            CsvTable again = CsvTable.Parse(Encoding.UTF8.GetBytes(Rewrite(table)), "rewrite.csv");
            Assert.Equal(table.Header, again.Header);
            Assert.Equal(table.Rows.Select(r => r.Cells), again.Rows.Select(r => r.Cells));
        }, fixedSeed: 1701, iterations: 2000);
    }

    [Fact]
    public void Ballot_manifests_and_cast_vote_records_keep_their_invariants_or_are_refused_with_AuditInputException()
    {
        Gen<byte[]> manifests = Gen.Select(Word, Count).Array[1, 5].Select(rows => Csv(["Container", "Tabulator", "Batch", "Ballots"],
            rows.Select((r, i) => new[] { "C1", "T" + (i % 2).ToString(CultureInfo.InvariantCulture), r.Item1 + i.ToString(CultureInfo.InvariantCulture), r.Item2 })));
        Gen<byte[]> cvrs = Gen.Select(Gen.Int[1, 3], Gen.Int[1, 4], Word).Array[1, 6].Select(rows => Csv(["BallotId", "Tabulator", "Batch", "Position", "Contest", "Choice"],
            rows.Select(r => new[] { "id" + r.Item1.ToString(CultureInfo.InvariantCulture) + r.Item2.ToString(CultureInfo.InvariantCulture), "T1", "B" + r.Item1.ToString(CultureInfo.InvariantCulture),
                r.Item2.ToString(CultureInfo.InvariantCulture), "Mayor", r.Item3 })));
        PropertyRunner.Check(output, Gen.OneOf(Mutations.Of(manifests), Mutations.Of(cvrs)), input =>
        {
            CsvTable? table = Outcome.Of<CsvTable, AuditInputException>(() => CsvTable.Parse(input.Bytes, "input.csv"));
            if (table is null)
            {
                return;
            }

            BallotManifest? manifest = Outcome.Of<BallotManifest, AuditInputException>(() => BallotManifest.FromTable(table));
            if (manifest is not null)
            {
                Assert.All(manifest.Batches, b => Assert.True(b.Ballots >= 0));
                Assert.Equal(manifest.Batches.Sum(b => (decimal)b.Ballots), manifest.TotalBallots);
                Assert.Equal(manifest.Batches.Count, manifest.Batches.Select(b => (b.Tabulator, b.Batch)).Distinct().Count());
                if (manifest.TotalBallots > 0)
                {
                    (ManifestBatch batch, long position) = manifest.Locate(manifest.TotalBallots);
                    Assert.InRange(position, 1, batch.Ballots);
                }
            }

            IReadOnlyDictionary<BallotLocation, CastVoteRecord>? cvr = Outcome.Of<IReadOnlyDictionary<BallotLocation, CastVoteRecord>, AuditInputException>(
                () => CastVoteRecords.FromTable(table));
            if (cvr is not null)
            {
                Assert.All(cvr, r => Assert.Equal(r.Key, r.Value.Location));
                Assert.All(cvr.Keys, l => Assert.True(l.Position >= 1));
                Assert.Equal(cvr.Count, cvr.Values.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
            }
        }, fixedSeed: 1702, iterations: 2000);
    }

    [Fact]
    public void Reported_results_and_batch_tallies_keep_their_invariants_or_are_refused_with_AuditInputException()
    {
        Gen<byte[]> results = Gen.Select(Gen.Long[0, 60], Gen.Long[0, 60], Gen.Long[0, 5], Gen.Int[1, 2], (a, b, c, winners) => Csv(
            ["Contest", "Choice", "Votes", "Ballots", "Winners", "VotesAllowed"],
            [["Mayor", "Alice", N(a), "200", N(winners), "1"], ["Mayor", "Bob", N(b), "200", N(winners), "1"], ["Mayor", "Carol", N(c), "200", N(winners), "1"]]));
        Gen<byte[]> tallies = Gen.Select(Gen.Long[0, 60], Gen.Long[0, 60], (a, b) => Csv(["Tabulator", "Batch", "Contest", "Choice", "Votes"],
            [["T1", "B1", "Mayor", "Alice", N(a)], ["T1", "B1", "Mayor", "Bob", N(b)], ["T1", "B2", "Mayor", "Alice", N(b)]]));
        PropertyRunner.Check(output, Gen.OneOf(Mutations.Of(results), Mutations.Of(tallies)), input =>
        {
            CsvTable? table = Outcome.Of<CsvTable, AuditInputException>(() => CsvTable.Parse(input.Bytes, "input.csv"));
            if (table is null)
            {
                return;
            }

            IReadOnlyList<ReportedContest>? contests = Outcome.Of<IReadOnlyList<ReportedContest>, AuditInputException>(() => ReportedResults.FromTable(table));
            if (contests is not null)
            {
                Assert.All(contests, c =>
                {
                    Assert.True(c.Choices.All(x => x.Votes >= 0) && c.Ballots >= 1 && c.WinnerCount < c.Choices.Count);
                    Assert.Equal(c.Choices.Sum(x => (decimal)x.Votes), c.TotalVotes);
                    Assert.True(c.TotalVotes <= (decimal)c.Ballots * c.VotesAllowed, $"{c.TotalVotes} votes from {c.Ballots} ballots");
                    Assert.False(c.IsTied);
                });
            }

            var batches = Outcome.Of<IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>>, AuditInputException>(() => BatchTallies.FromTable(table));
            if (batches is not null)
            {
                Assert.All(batches.Values.SelectMany(b => b.Values).SelectMany(c => c.Values), v => Assert.True(v >= 0));
            }
        }, fixedSeed: 1703, iterations: 2000);
    }

    [Fact]
    public void Risk_inputs_keep_their_invariants_or_are_refused_with_AuditInputException()
    {
        Gen<byte[]> sample = Gen.Select(Gen.Long[0, 30], Gen.Long[0, 30], (a, b) => Csv(["Contest", "Choice", "Votes"], [["Mayor", "Alice", N(a)], ["Mayor", "Bob", N(b)]]));
        Gen<byte[]> discrepancies = Gen.Select(Gen.Long[0, 3].Array[4, 4], Gen.Long[12, 40], (d, n) => Csv(["Contest", "Sampled", "O1", "O2", "U1", "U2"],
            [["Mayor", N(n), N(d[0]), N(d[1]), N(d[2]), N(d[3])]]));
        Gen<byte[]> draws = Gen.Int[1, 3].Select(n => Csv(["Tabulator", "Batch"], Enumerable.Range(1, n).Select(i => new[] { "T1", "B" + N(i) })));
        Gen<byte[]> manual = Gen.Select(Word, Gen.Bool, (choice, found) => Csv(["Draw", "Tabulator", "Batch", "Position", "Contest", "Choice", "Found"],
            [["1", "T1", "B1", "3", "Mayor", choice, found ? "Y" : "N"], ["2", "T1", "B2", "1", "Mayor", "Bob", "Y"], ["2", "T1", "B2", "1", "Council", "", "Y"]]));
        string path = Path.Combine(Path.GetTempPath(), $"entente-risk-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        try
        {
            PropertyRunner.Check(output, Gen.OneOf(Mutations.Of(sample), Mutations.Of(discrepancies), Mutations.Of(draws), Mutations.Of(manual)), input =>
            {
                File.WriteAllBytes(path, input.Bytes);
                var tally = Outcome.Of<IReadOnlyDictionary<string, Dictionary<string, long>>, AuditInputException>(() => RiskInputs.SampleTally(path));
                Assert.All(tally?.Values.SelectMany(c => c.Values) ?? [], v => Assert.True(v >= 0));
                var counts = Outcome.Of<IReadOnlyDictionary<string, (long Sampled, Discrepancies Counts)>, AuditInputException>(() => RiskInputs.DiscrepancyCounts(path));
                Assert.All(counts?.Values ?? [], c =>
                {
                    decimal total = (decimal)c.Counts.O1 + c.Counts.O2 + c.Counts.U1 + c.Counts.U2;
                    Assert.True(c.Counts.O1 >= 0 && c.Counts.O2 >= 0 && c.Counts.U1 >= 0 && c.Counts.U2 >= 0);
                    Assert.True(total <= c.Sampled, $"{total} discrepancies from {c.Sampled} sampled ballots");
                    Assert.Equal(total, c.Counts.Total);
                });
                Assert.All(Outcome.Of<IReadOnlyList<string>, AuditInputException>(() => RiskInputs.BatchDraws(path)) ?? [], d => Assert.False(string.IsNullOrEmpty(d)));
                var records = Outcome.Of<IReadOnlyList<ManualVoteRecord>, AuditInputException>(() => RiskInputs.ManualVoteRecords(path));
                Assert.Equal(Enumerable.Range(1, records?.Count ?? 0).Select(i => (long)i), records?.Select(r => r.Draw) ?? []);
            }, fixedSeed: 1704, iterations: 400);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static byte[] Csv(string[] header, IEnumerable<string[]> rows) =>
        Encoding.UTF8.GetBytes(CsvWriter.Document([CsvWriter.Line(header), .. rows.Select(r => CsvWriter.Line(r))]));

    /// <summary>A plain RFC 4180 rewrite: every cell quoted, inner quotes doubled, LF line ends.</summary>
    private static string Rewrite(CsvTable table) => string.Concat(
        new[] { table.Header }.Concat(table.Rows.Select(r => r.Cells))
            .Select(cells => string.Join(",", cells.Select(c => "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")) + "\n"));
}
