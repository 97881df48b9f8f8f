using System.Text;
using Entente.Rolls;
using Entente.Transparency;

namespace Entente.Rolls.Tests.Unit;

public sealed class RollAlertTests
{
    private static readonly DateTimeOffset Day = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static (long, RollChange) Change(long index, RollOperation op, string precinct, DateTimeOffset at) =>
        (index, new RollChange("county-12", op, Hash256.Compute(BitConverter.GetBytes(index)), 2, op == RollOperation.Remove ? null : Hash256.Compute([1]), precinct, "moved-out", at, Hash256.Compute([2])));

    private static IReadOnlyList<RollAlertRule> Rules(string json) => RollAlerts.ReadRules(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_burst_of_removals_above_the_hourly_limit_raises_one_alert_naming_every_entry_of_the_burst()
    {
        List<(long, RollChange)> changes = [.. Enumerable.Range(0, 30).Select(i => Change(i, RollOperation.Remove, "P-01", Day.AddHours(10).AddMinutes(i)))];
        changes.Add(Change(100, RollOperation.Remove, "P-01", Day.AddHours(15)));
        changes.Add(Change(101, RollOperation.Update, "P-01", Day.AddHours(10)));
        IReadOnlyList<RollAlert> alerts = RollAlerts.Evaluate(changes, Rules("""[{"name":"bulk-removals","jurisdiction":"county-12","op":"remove","max_count":20,"window_minutes":60}]"""), (_, _) => 1000);
        RollAlert alert = Assert.Single(alerts);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), alert.Entries);
        Assert.Contains("30 removals of the roll of county-12 within 60 minutes, more than 20 allowed", alert.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_spread_below_the_limit_raise_nothing()
    {
        List<(long, RollChange)> changes = [.. Enumerable.Range(0, 30).Select(i => Change(i, RollOperation.Remove, "P-01", Day.AddHours(8).AddMinutes(i * 10)))];
        Assert.Empty(RollAlerts.Evaluate(changes, Rules("""[{"name":"bulk-removals","op":"remove","max_count":6,"window_minutes":60}]"""), (_, _) => 1000));
    }

    [Fact]
    public void A_share_of_a_precinct_is_measured_against_that_precinct_s_registered_records()
    {
        List<(long, RollChange)> changes = [.. Enumerable.Range(0, 8).Select(i => Change(i, RollOperation.Update, i < 6 ? "P-02" : "P-01", Day.AddHours(9).AddMinutes(i)))];
        IReadOnlyList<RollAlert> alerts = RollAlerts.Evaluate(changes, Rules("""[{"name":"precinct-share","max_percent":5,"window_minutes":1440}]"""), (_, p) => p == "P-02" ? 100 : 1000);
        RollAlert alert = Assert.Single(alerts);
        Assert.Equal("P-02", alert.Precinct);
        Assert.Equal(6, alert.Entries.Count);
        Assert.Contains("(5 of 100 registered)", alert.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_outside_office_hours_are_grouped_per_day()
    {
        List<(long, RollChange)> changes = [Change(1, RollOperation.Add, "P-01", Day.AddHours(3)), Change(2, RollOperation.Remove, "P-01", Day.AddHours(12)), Change(3, RollOperation.Remove, "P-01", Day.AddHours(23))];
        RollAlert alert = Assert.Single(RollAlerts.Evaluate(changes, Rules("""[{"name":"after-hours","office_hours":"08:00-18:00"}]"""), (_, _) => 1000));
        Assert.Equal([1L, 3L], alert.Entries);
    }

    [Theory]
    [InlineData("""[{"name":"x","max_count":1,"max_percent":2}]""")]
    [InlineData("""[{"name":"x"}]""")]
    [InlineData("""[{"name":"x","office_hours":"18:00-08:00"}]""")]
    [InlineData("""[{"name":"x","max_count":1,"op":"delete"}]""")]
    [InlineData("""[{"name":"x","max_count":1,"threshold":3}]""")]
    public void A_malformed_rule_is_refused(string json) => Assert.Throws<RollFormatException>(() => Rules(json));
}
