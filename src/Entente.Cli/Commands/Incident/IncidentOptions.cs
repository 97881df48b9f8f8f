using System.CommandLine;
using System.Globalization;

namespace Entente.Cli.Commands.Incident;

/// <summary>Options shared by the incident verbs.</summary>
internal static class IncidentOptions
{
    public static readonly Option<string> Store = new("--store") { Description = "The local exchange store (SQLite file).", DefaultValueFactory = _ => "exchange.db", Recursive = true };
    public static readonly Option<string> Unit = new("--unit") { Description = "The unit file: parties, their keys and the collections (JSON).", DefaultValueFactory = _ => "unit.json", Recursive = true };
    public static readonly Option<string?> LogKey = new("--log-key") { Description = "The local exchange log's own checkpoint key, origin entente.local/exchange (default: <store>.logkey, created when missing). Never the board's log key: a key for another origin is refused.", Recursive = true };
    public static readonly Option<string> Key = new("--key") { Description = "Your party's Ed25519 key file.", DefaultValueFactory = _ => "party.key", Recursive = true };
    public static readonly Option<string?> Server = new("--server") { Description = "Work against the exchange hosted by `entente serve` at this URL (TAXII 2.1, board proofs) instead of the local store; --key is then your charter key.", Recursive = true };
    public static readonly Option<string?> Policy = new("--policy") { Description = "With --server: the board's witness policy to verify checkpoints against (C2SP tlog-policy; default: the one the server publishes).", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Machine-readable output.", Recursive = true };

    public static IncidentPaths Paths(ParseResult parse)
    {
        string store = parse.GetValue(Store)!;
        return new IncidentPaths(store, parse.GetValue(Unit)!, parse.GetValue(LogKey) ?? store + ".logkey");
    }

    /// <summary>Parses durations such as 90m, 24h, 3d.</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
                default: break;
            }
        }

        throw new IncidentInputException($"{option}: \"{text}\" is not a duration such as 30s, 90m, 24h or 3d.");
    }
}
