using Entente.Exchange.Assistance;

namespace Entente.Exchange.Tests.Unit;

/// <summary>Requests for assistance: open → acknowledged → answered, overdue, declined, from log order and log time.</summary>
public sealed class AssistanceStateMachineTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    private async Task<string> FileAsync(TimeSpan ackIn, TimeSpan answerIn)
    {
        System.Text.Json.Nodes.JsonObject request = _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, ackIn, answerIn);
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, request);
        return request["id"]!.GetValue<string>();
    }

    private async Task<AssistanceCase> CaseAsync(string id) =>
        (await AssistanceTracker.GetCasesAsync(_world.Store, _world.Time)).Single(c => c.RequestId == id);

    [Fact]
    public async Task Request_goes_open_acknowledged_answered_with_log_timestamps()
    {
        string id = await FileAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(72));
        Assert.Equal(AssistanceStatus.Open, (await CaseAsync(id)).Status);

        _world.Time.Advance(TimeSpan.FromHours(2));
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Ack(ExchangeWorld.RedId, id));
        Assert.Equal(AssistanceStatus.Acknowledged, (await CaseAsync(id)).Status);

        _world.Time.Advance(TimeSpan.FromHours(20));
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Response(ExchangeWorld.RedId, id, "answered", "The addresses belong to a university; scanning stopped."));
        AssistanceCase answered = await CaseAsync(id);

        Assert.Equal(AssistanceStatus.Answered, answered.Status);
        Assert.Equal(ExchangeWorld.Start, answered.Filed.LoggedAt);
        Assert.Equal(ExchangeWorld.Start.AddHours(2), answered.Acknowledged!.LoggedAt);
        Assert.Equal(ExchangeWorld.Start.AddHours(22), answered.Responded!.LoggedAt);
        Assert.False(answered.AcknowledgedLate);
        Assert.False(answered.AnsweredLate);
        Assert.Equal([0L, 1L, 2L], [answered.Filed.Index, answered.Acknowledged.Index, answered.Responded.Index]);
    }

    [Fact]
    public async Task Request_without_acknowledgement_past_its_deadline_is_overdue()
    {
        string id = await FileAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(72));

        _world.Time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(AssistanceStatus.Open, (await CaseAsync(id)).Status); // at the deadline: not yet late
        _world.Time.Advance(TimeSpan.FromMilliseconds(1));
        AssistanceCase overdue = await CaseAsync(id);

        Assert.Equal(AssistanceStatus.Overdue, overdue.Status);
        Assert.True(overdue.AcknowledgedLate);
    }

    [Fact]
    public async Task Acknowledged_request_unanswered_past_the_answer_deadline_is_overdue_and_late_answer_is_recorded()
    {
        string id = await FileAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(72));
        _world.Time.Advance(TimeSpan.FromHours(1));
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Ack(ExchangeWorld.RedId, id));

        _world.Time.Advance(TimeSpan.FromHours(80));
        Assert.Equal(AssistanceStatus.Overdue, (await CaseAsync(id)).Status);

        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Response(ExchangeWorld.RedId, id, "answered", "Late, but here."));
        AssistanceCase late = await CaseAsync(id);

        Assert.Equal(AssistanceStatus.Answered, late.Status);
        Assert.True(late.AnsweredLate);
        Assert.False(late.AcknowledgedLate);
    }

    [Fact]
    public async Task Declined_request_carries_its_reason()
    {
        string id = await FileAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(72));
        _world.Time.Advance(TimeSpan.FromHours(3));

        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Response(ExchangeWorld.RedId, id, "declined", "Outside the unit's mandate: not election infrastructure."));
        AssistanceCase declined = await CaseAsync(id);

        Assert.Equal(AssistanceStatus.Declined, declined.Status);
        Assert.Equal("Outside the unit's mandate: not election infrastructure.", declined.ResponseContent);
        Assert.Equal(declined.Responded, declined.Acknowledged); // an answer without an ack counts as the ack
    }

    [Fact]
    public async Task Only_the_addressee_acknowledges_and_only_once_and_nothing_follows_an_answer()
    {
        string id = await FileAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(72));

        ExchangeRejectedException byRequester = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Ack(ExchangeWorld.BlueId, id)));
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Ack(ExchangeWorld.RedId, id));
        ExchangeRejectedException twice = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Ack(ExchangeWorld.RedId, id)));
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Response(ExchangeWorld.RedId, id, "answered", "Done."));
        ExchangeRejectedException again = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.SendAsync(_world.Red, ExchangeWorld.RedId, _world.Response(ExchangeWorld.RedId, id, "declined", "Changed my mind.")));

        Assert.All([byRequester, twice, again], e => Assert.Equal(ExchangeRejection.Protocol, e.Reason));
        Assert.Contains("only the addressee", byRequester.Message, StringComparison.Ordinal);
        Assert.Contains("already been acknowledged", twice.Message, StringComparison.Ordinal);
        Assert.Contains("already been answered", again.Message, StringComparison.Ordinal);
        Assert.Equal(3, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Request_with_a_passed_deadline_or_to_oneself_is_refused()
    {
        ExchangeRejectedException passed = await Assert.ThrowsAsync<ExchangeRejectedException>(() =>
            _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(-1), TimeSpan.FromHours(2))));
        ExchangeRejectedException self = await Assert.ThrowsAsync<ExchangeRejectedException>(() =>
            _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Request(ExchangeWorld.BlueId, ExchangeWorld.BlueId, TimeSpan.FromHours(1), TimeSpan.FromHours(2))));
        ExchangeRejectedException inverted = await Assert.ThrowsAsync<ExchangeRejectedException>(() =>
            _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(5), TimeSpan.FromHours(2))));

        Assert.Contains("'ack_deadline'", passed.Message, StringComparison.Ordinal);
        Assert.Contains("requester itself", self.Message, StringComparison.Ordinal);
        Assert.Contains(inverted.ValidationErrors, v => v.Property == "answer_deadline");
        Assert.Equal(0, await _world.Store.CountAsync());
    }

    [Fact]
    public void Status_is_a_pure_function_of_the_log_and_the_time()
    {
        // No entries: no cases, whatever the time.
        Assert.Empty(AssistanceTracker.Compute([], DateTimeOffset.MaxValue));
    }

    public void Dispose() => _world.Dispose();
}
