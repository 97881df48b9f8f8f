using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Client.Tests.Support;
using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entente.Server.Tests.Contract;

/// <summary>
/// What an operator probes and scrapes on a real board over HTTP (issue #15 item 10): <c>/healthz</c>, <c>/readyz</c> with
/// its checks (and a stopped witness named in a 503), <c>/metrics</c> with the counters moving, and the structured log of a
/// whole election holding none of the secrets the parties hold. The tests run alone: OpenTelemetry listens to every
/// meter of the process named <c>Entente.Server</c>, so another test's board starting or stopping at the same time
/// would share or retire the instruments a test reads (a deployment runs one board per process).
/// </summary>
[Collection("operations")]
public sealed class OperationsHttpTests
{
    private const string WitnessName = "witness.red.example";

    [Fact]
    public async Task Healthz_answers_200_while_the_process_runs()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        using HttpClient http = new() { BaseAddress = board.Address };
        using HttpResponseMessage response = await http.GetAsync(new Uri("healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_passes_every_check_then_answers_503_naming_a_stopped_witness()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        await board.LogPolicyAsync();
        await board.WaitForCheckpointAsync();
        using HttpClient http = new() { BaseAddress = board.Address };

        (HttpStatusCode status, JsonElement body) = await ReadyzAsync(http);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Dictionary<string, string> checks = Checks(body);
        Assert.Equal(["checkpoint", "sequencer", "store", "witness:" + WitnessName], checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(checks.Values, s => Assert.Equal("pass", s));

        await board.StopWitnessAsync();
        (status, body) = await ReadyzAsync(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        Assert.Equal(["witness:" + WitnessName], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        JsonElement witness = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "witness:" + WitnessName);
        Assert.Contains("does not answer", witness.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("pass", Checks(body)["store"]);
    }

    [Fact]
    public async Task Readyz_fails_the_checkpoint_check_when_the_cosigned_checkpoint_lags_the_head_past_the_limit()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        await board.LogPolicyAsync();
        await board.WaitForCheckpointAsync();
        await board.StopWitnessAsync();
        await board.StopBoardAsync();
        board.Options.Health = new Entente.Server.Log.HealthOptions { MaxCheckpointAgeSeconds = 0 };
        await board.StartBoardAsync();
        await board.AppendAsync("incident.report", Encoding.UTF8.GetBytes("a report the witness will never see"));
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // cosignature timestamps are whole seconds
        using HttpClient http = new() { BaseAddress = board.Address };

        (HttpStatusCode status, JsonElement body) = await ReadyzAsync(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("checkpoint", body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        string detail = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "checkpoint").GetProperty("detail").GetString()!;
        Assert.Contains("does not cover the head", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_show_appends_refusals_witness_latency_and_rate_limit_hits_moving()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        using HttpClient http = new() { BaseAddress = board.Address };
        double appendsBefore = Sum(await MetricsAsync(http), "entente_log_appends_total", "source=\"log\"");

        await board.LogPolicyAsync();
        await board.AppendAsync("incident.report", Encoding.UTF8.GetBytes("report 1"));
        await board.WaitForCheckpointAsync();
        using HttpResponseMessage refused = await http.PostAsync(new Uri("add", UriKind.Relative), new ByteArrayContent("not a signed note"u8.ToArray()));
        Assert.True((int)refused.StatusCode is >= 400 and < 500);
        string title = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString()!;

        string metrics = await WaitForMetricsAsync(http, m =>
            Sum(m, "entente_log_appends_total", "source=\"log\"") >= appendsBefore + 2
            && Sum(m, "entente_http_refusals_total", $"reason=\"{title}\"") >= 1
            && Sum(m, "entente_witness_cosignature_duration_seconds_count", $"witness=\"{WitnessName}\"") >= 1);
        Assert.Contains("entente_sequencer_queue_depth", metrics, StringComparison.Ordinal);
        Assert.True(Sum(metrics, "entente_log_size", "") >= 2, metrics);
        Assert.Contains($"status=\"{(int)refused.StatusCode}\"", Lines(metrics, "entente_http_refusals_total").First(l => l.Contains(title, StringComparison.Ordinal)), StringComparison.Ordinal);

        // Rate limits: a budget of one write per second per client address; the second unsigned write in a row is a 429.
        await board.StopBoardAsync();
        board.Options.RateLimit = new() { PermitsPerSecond = 1, Burst = 1 };
        await board.StartBoardAsync();
        using HttpClient limited = new() { BaseAddress = board.Address };
        HttpStatusCode last = HttpStatusCode.OK;
        for (int i = 0; i < 3 && last != HttpStatusCode.TooManyRequests; i++)
        {
            using HttpResponseMessage r = await limited.PostAsync(new Uri("add", UriKind.Relative), new ByteArrayContent("x"u8.ToArray()));
            last = r.StatusCode;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        await WaitForMetricsAsync(limited, m => Sum(m, "entente_http_rate_limited_total", "partition=\"address\"") >= 1
            && Sum(m, "entente_http_refusals_total", "status=\"429\"") >= 1);
    }

    [Fact]
    public async Task A_whole_election_logged_at_debug_holds_no_guardian_secret_and_no_private_key()
    {
        CapturingLoggerProvider capture = new();
        await using LoopbackBoard board = await LoopbackBoard.StartAsync(configure: services => services.AddLogging(b => b
            .AddProvider(capture)
            .SetMinimumLevel(LogLevel.Debug)
            .AddFilter<CapturingLoggerProvider>(null, LogLevel.Debug)));
        List<string> secrets = [];
        string secretFolder = Directory.CreateTempSubdirectory("entente-secrets-").FullName;
        try
        {
            await board.LogPolicyAsync();
            // The 256-bit toy group: still fast, and its secrets mod q (64 bits) are long enough that finding one in the
            // log could not be chance (the tiny group's 16-bit values would match any hash).
            await TinyElection.PostAsync(board, group: Group.ToyGroups[^1], observeSecrets: (context, guardians) =>
            {
                foreach (GuardianSecrets g in guardians)
                {
                    // The secret file in plaintext (the test form) holds every secret value as hex: collect them all.
                    string file = Path.Combine(secretFolder, $"guardian-{g.Index}.json");
                    GuardianSecretFile.Write(file, g, context.ExtendedBaseHash, passphrase: null);
                    using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(file));
                    CollectHex(document.RootElement.GetProperty("secret"), secrets);
                }
            });
            // A refused write, so the refusal path logs too.
            using HttpClient http = new() { BaseAddress = board.Address };
            using HttpResponseMessage refused = await http.PostAsync(new Uri("add", UriKind.Relative), new ByteArrayContent("x"u8.ToArray()));
            await board.WaitForCheckpointAsync();
        }
        finally
        {
            Directory.Delete(secretFolder, recursive: true);
        }

        foreach (Transparency.Notes.Ed25519NoteSigner key in new[] { board.Blue, board.Red, board.Device, board.LogKey, board.WitnessKey })
        {
            string skey = key.ExportSkey();
            secrets.Add(skey);
            secrets.Add(skey.Split('+', 5)[4]); // the key blob alone
        }

        string logged = capture.Text;
        Assert.Contains("Board logged", logged, StringComparison.Ordinal); // the election was logged at Debug
        Assert.Contains("Refused POST /add", logged, StringComparison.Ordinal);
        Assert.Contains("cosigned the checkpoint", logged, StringComparison.Ordinal);
        Assert.True(secrets.Count >= 10 + 3 * 5, $"only {secrets.Count} secret values collected");
        foreach (string secret in secrets)
        {
            Assert.False(logged.Contains(secret, StringComparison.OrdinalIgnoreCase), $"a secret value ({secret.Length} characters) appears in the log");
        }
    }

    private static void CollectHex(JsonElement element, List<string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in element.EnumerateObject())
                {
                    CollectHex(p.Value, into);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement e in element.EnumerateArray())
                {
                    CollectHex(e, into);
                }

                break;
            case JsonValueKind.String when element.GetString() is { Length: >= 16 } s && s.All(Uri.IsHexDigit):
                into.Add(s);
                break;
        }
    }

    private static async Task<(HttpStatusCode, JsonElement)> ReadyzAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri("readyz", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static Dictionary<string, string> Checks(JsonElement body) =>
        body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!, StringComparer.Ordinal);

    private static async Task<string> MetricsAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri("metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (the exporter caches a scrape briefly), or fails with the last scrape.</summary>
    private static async Task<string> WaitForMetricsAsync(HttpClient http, Func<string, bool> done)
    {
        DateTime end = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            string metrics = await MetricsAsync(http);
            if (done(metrics))
            {
                return metrics;
            }

            Assert.True(DateTime.UtcNow < end, metrics);
            await Task.Delay(200);
        }
    }

    private static IEnumerable<string> Lines(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal));

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/> (a sample line: name{labels} value [timestamp]).</summary>
    private static double Sum(string metrics, string name, string label) =>
        Lines(metrics, name).Where(l => l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1 is > 0 and var at ? at : name.Length)..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Every log line at every level, with its structured properties, as one text.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                StringBuilder line = new($"{logLevel} {category}: {formatter(state, exception)}");
                if (state is IEnumerable<KeyValuePair<string, object?>> properties)
                {
                    foreach ((string key, object? value) in properties)
                    {
                        line.Append(CultureInfo.InvariantCulture, $" {key}={value}");
                    }
                }

                if (exception is not null)
                {
                    line.Append(' ').Append(exception);
                }

                lines.Enqueue(line.ToString());
            }
        }
    }
}

[CollectionDefinition("operations", DisableParallelization = true)]
public sealed class OperationsTestGroup;
