using System.Text;
using Entente.Audit.Io;
using Entente.Rolls;

namespace Entente.Rolls.Tests.Unit;

public sealed class RollChangeFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-roll-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RollRegistry Registry() => RollRegistry.Create(_dir, new Uri("http://127.0.0.1:1/"), new RollInit("county-12", ["P-01", "P-02"], RollArtifacts.DefaultReasons));

    private static CsvTable Csv(string text) => CsvTable.Parse(Encoding.UTF8.GetBytes(text), "changes.csv");

    [Fact]
    public void Adds_then_an_update_and_a_removal_of_the_same_voter_chain_in_one_file()
    {
        RollRegistry registry = Registry();
        IReadOnlyList<PlannedChange> plan = RollChangeFile.Plan(Csv("""
            op,voter_id,precinct,name,birth_date,address,reason
            add,v1,P-01,Jane Doe,1980-05-01,1 Main St,
            add,v2,P-02,John Roe,1975-12-31,2 High St,
            update,v1,P-02,,,9 Elm St,address-change
            remove,v2,,,,,deceased
            """), registry, "registrar.example", TimeProvider.System);
        Assert.Equal([1, 1, 2, 2], plan.Select(p => p.Change.Version));
        Assert.Equal(plan[0].Change.Key, plan[2].Change.Key);
        Assert.Equal(Entente.Transparency.Hash256.Compute(plan[0].Artifact), plan[2].Change.Previous);
        Assert.Equal("P-02", plan[3].Change.Precinct);
        Assert.NotNull(plan[0].NewSalt);
        Assert.Null(plan[2].NewSalt);
        Assert.Equal("9 ELM ST", plan[2].After.Record.Address);
        Assert.Equal("JANE DOE", plan[2].After.Record.Name);
        Assert.DoesNotContain("JANE", Encoding.UTF8.GetString(plan[0].Artifact), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("add,v1,P-09,Jane Doe,1980-05-01,1 Main St,", 2, "precinct")]
    [InlineData("add,v1,P-01,Jane Doe,01/05/1980,1 Main St,", 2, "birth_date")]
    [InlineData("add,v1,P-01,,1980-05-01,1 Main St,", 2, "name")]
    [InlineData("move,v1,P-01,Jane Doe,1980-05-01,1 Main St,", 2, "op")]
    [InlineData("remove,v7,,,,,deceased", 2, "voter_id")]
    [InlineData("add,v1,P-01,Jane Doe,1980-05-01,1 Main St,\nupdate,v1,P-02,,,,", 3, "reason")]
    [InlineData("add,v1,P-01,Jane Doe,1980-05-01,1 Main St,\nadd,v1,P-01,Jane Doe,1980-05-01,1 Main St,", 3, "op")]
    [InlineData("add,v1,P-01,Jane Doe,1980-05-01,1 Main St", 2, "")]
    public void A_messy_row_is_refused_with_its_row_and_column(string rows, int row, string column)
    {
        AuditInputException e = Assert.Throws<AuditInputException>(() =>
            RollChangeFile.Plan(Csv("op,voter_id,precinct,name,birth_date,address,reason\n" + rows), Registry(), "registrar.example", TimeProvider.System));
        Assert.Equal(row, e.Row);
        Assert.Equal(column, e.Column);
    }

    [Fact]
    public void An_unknown_column_is_refused_before_any_row()
    {
        AuditInputException e = Assert.Throws<AuditInputException>(() =>
            RollChangeFile.Plan(Csv("op,voter_id,ssn\nadd,v1,123"), Registry(), "registrar.example", TimeProvider.System));
        Assert.Equal("ssn", e.Column);
    }

    [Fact]
    public void The_database_keeps_salts_owner_only_and_reopens_with_the_same_roll()
    {
        RollRegistry registry = Registry();
        IReadOnlyList<PlannedChange> plan = RollChangeFile.Plan(Csv("op,voter_id,precinct,name,birth_date,address\nadd,v1,P-01,Jane Doe,1980-05-01,1 Main St"), registry, "registrar.example", TimeProvider.System);
        registry.Data.Voters["V1"] = plan[0].After;
        registry.Save();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, RollRegistry.FileName)));
        }

        RollLedger ledger = RollRegistry.Open(_dir).Ledger("registrar.example");
        Assert.Equal(1, ledger.Rolls["county-12"].Registered);
        Assert.Equal(plan[0].Change.Key, ledger.Rolls["county-12"].Records.Keys.Single());
    }
}
