using System.CommandLine;
using Entente.Cli.Commands.Demo;
using Entente.Server;
using Entente.Server.Board;
using Entente.Server.Log;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente serve</c>: the election board server (log, board API, OpenAPI; docs/http-api.md) over a data folder, on
/// 127.0.0.1 unless told otherwise. Configuration, later sources winning: defaults, the JSON file of
/// <c>--config</c> (the <see cref="LogServerOptions"/> format), environment variables prefixed <c>ENTENTE_</c>
/// (<c>ENTENTE_STORE</c>, <c>ENTENTE_URLS</c>, <c>ENTENTE_RATELIMIT__PERMITSPERSECOND</c>…), then flags. SQLite in the
/// data folder by default; <c>--postgres CONNSTRING</c> for PostgreSQL. <c>entente serve --dir DEMO_DIR</c> serves
/// a finished demo's board (its <c>board/</c> folder and configuration) with its live pages again, without its witnesses:
/// <c>/checkpoint</c> publishes the last checkpoint they cosigned.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Default listening address.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create()
    {
        Option<DirectoryInfo?> dir = new("--dir") { Description = "Serve the board of a finished `entente demo` run (the folder it printed) with its pages, without its witnesses." };
        Option<string?> urls = new("--urls") { Description = $"Where to listen (default: ENTENTE_URLS, else {DefaultUrls})." };
        Option<FileInfo?> config = new("--config") { Description = "A JSON configuration file (origin, store, key, charter, witnesses, quorum, auth, limits, rateLimit; docs/http-api.md)." };
        Option<DirectoryInfo?> data = new("--data") { Description = "The board's data folder: relative paths of the configuration resolve here (default: the configuration file's folder, else the current folder)." };
        Option<string?> postgres = new("--postgres") { Description = "Store the log in PostgreSQL (a connection string) instead of SQLite." };
        Option<string?> charter = new("--charter") { Description = "The charter file (default charter.json); with --mirror, the board's charter when its log holds no charter entry." };
        Option<string?> origin = new("--origin") { Description = "The log's origin line (default entente.local/board)." };
        Option<string[]> authority = new("--authority")
        {
            Description = "A name clients reach this board by (host or host:port), besides the addresses it listens on; repeatable. Request signatures must cover one of them.",
            AllowMultipleArgumentsPerToken = false,
        };
        Option<FileInfo?> mirror = new("--mirror")
        {
            Description = "Serve the board's pages and read APIs from a mirror's copy (its mirror.json), read-only, when the board is gone: /checkpoint is the mirror's cosigned checkpoint, every write answers 405.",
        };
        Option<string?> cluster = new("--cluster")
        {
            Description = "Check posted ballots' proofs on a Microsoft Orleans cluster's workers instead of the board's own cores: \"dev\" (silo processes started on loopback, see --silos) or the PostgreSQL connection string of a cluster's membership (silos started with `entente cluster silo --postgres`). The board keeps the log; docs/cluster.md.",
        };
        Option<int?> silos = new("--silos") { Description = "With --cluster dev: how many silo processes to start (default 2)." };
        silos.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is < 1 or > 64)
            {
                result.AddError("--silos must be between 1 and 64.");
            }
        });
        Option<int?> workers = new("--validation-workers") { Description = "With --cluster: how many ballots the cluster checks at once (worker grains; default 4 per silo for dev, 32 otherwise)." };
        workers.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is < 1 or > 4096)
            {
                result.AddError("--validation-workers must be between 1 and 4096.");
            }
        });
        Option<FileInfo?> tlsCertificate = new("--tls-certificate")
        {
            Description = "With --cluster CONNSTRING: the cluster's certificate (PKCS#12 with its key; password in ENTENTE_CLUSTER_CERTIFICATE_PASSWORD), the one its silos were started with; connections are mutual TLS pinned to it. A dev cluster makes its own.",
        };
        Command command = new("serve", "Run the election board server (log, board API, OpenAPI), serve a finished demo with --dir, or a mirror's copy with --mirror.") { dir, urls, config, data, postgres, charter, origin, authority, mirror, cluster, silos, workers, tlsCertificate };
        command.SetAction(async (parseResult, ct) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (parseResult.GetValue(mirror) is FileInfo mirrorConfig)
            {
                if (parseResult.GetValue(dir) is not null || parseResult.GetValue(config) is not null || parseResult.GetValue(data) is not null || parseResult.GetValue(postgres) is not null
                    || parseResult.GetValue(origin) is not null || parseResult.GetValue(cluster) is not null)
                {
                    await error.WriteLineAsync("error: --mirror serves a mirror's copy as its configuration says; it takes only --urls, --authority and --charter.");
                    return ExitCodes.UsageOrInput;
                }

                return await ServeMirrorAsync(mirrorConfig.FullName, parseResult.GetValue(charter), parseResult.GetValue(urls) ?? Environment.GetEnvironmentVariable("ENTENTE_URLS") ?? DefaultUrls, output, error, ct);
            }

            string? configFile = parseResult.GetValue(config)?.FullName;
            string? dataFolder = parseResult.GetValue(data)?.FullName;
            bool demo = false;
            if (parseResult.GetValue(dir) is DirectoryInfo demoFolder)
            {
                string board = Path.Combine(demoFolder.FullName, "board");
                configFile = Path.Combine(board, Demo.JointElectionDemo.BoardConfig);
                if (!File.Exists(configFile))
                {
                    await error.WriteLineAsync($"error: {demoFolder.FullName} is not the folder of a finished demo (no board/{Demo.JointElectionDemo.BoardConfig}); run `entente demo --dir {demoFolder.FullName}` first.");
                    return ExitCodes.UsageOrInput;
                }

                dataFolder = board;
                demo = true;
            }

            string? on = parseResult.GetValue(cluster);
            if ((parseResult.GetValue(silos) is not null && on != "dev") || (parseResult.GetValue(workers) is not null && on is null)
                || (parseResult.GetValue(tlsCertificate) is not null && (on is null || on == "dev")))
            {
                await error.WriteLineAsync("error: --silos is for --cluster dev, --validation-workers for --cluster, --tls-certificate for --cluster CONNSTRING (a dev cluster makes its own). See `entente serve --help`.");
                return ExitCodes.UsageOrInput;
            }

            string[] names = parseResult.GetValue(authority) ?? [];

            Dictionary<string, string?> flags = new(StringComparer.OrdinalIgnoreCase);
            if (parseResult.GetValue(urls) is string u)
            {
                flags["urls"] = u;
            }

            if (parseResult.GetValue(postgres) is string pg)
            {
                flags["store"] = "postgres:" + pg;
            }

            if (parseResult.GetValue(charter) is string c)
            {
                flags["charter"] = c;
            }

            if (parseResult.GetValue(origin) is string o)
            {
                flags["origin"] = o;
            }

            for (int i = 0; i < names.Length; i++)
            {
                flags[$"authorities:{i}"] = names[i];
            }

            LogServerOptions options;
            string listen;
            try
            {
                (options, listen) = LoadOptions(configFile, dataFolder, flags);
                if (demo)
                {
                    // The demo's witnesses ran as its children and are gone: publish what they cosigned (the policy stays).
                    options.Witnesses = [];
                    options.Quorum = 0;
                }

                // The listen address first: nothing is created, generated or opened for an address the board cannot have.
                if (ListenProblem(listen) is string problem)
                {
                    await error.WriteLineAsync($"error: --urls {listen}: {problem}");
                    return ExitCodes.UsageOrInput;
                }

                await BoardHost.PrepareAsync(options, ct);
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            // Ballot validation on a cluster: the silos first (dev starts them), so that the board takes ballots only once
            // its workers are there. The session outlives the server (disposed after it, below).
            await using ClusterSession? session = on is null ? null : await ConnectClusterAsync(on, parseResult.GetValue(silos) ?? 2, parseResult.GetValue(tlsCertificate)?.FullName, error, ct);
            if (on is not null && session is null)
            {
                return ExitCodes.UsageOrInput;
            }

            if (session is not null)
            {
                // The silos' own lines (what they validate, their warnings) on the operator's standard error.
                foreach (ServerProcess silo in session.Silos)
                {
                    silo.Forward = line => error.WriteLine($"{silo.Name}: {line}");
                }

                int count = parseResult.GetValue(workers) ?? (on == "dev" ? 4 * (parseResult.GetValue(silos) ?? 2) : 32);
                options.Limits.BallotValidator = new Entente.Cluster.ClusterBallotValidator(session.Client, count);
            }

            WebApplication app;
            try
            {
                app = await ServerApp.BuildLogAsync(options, listen, ct);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            await using WebApplication started = app;
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                // Taken between the check and the bind.
                await error.WriteLineAsync($"error: --urls {listen}: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            string store = options.Store.StartsWith("postgres:", StringComparison.Ordinal) ? "PostgreSQL" : options.Resolve(options.Store.StartsWith("sqlite:", StringComparison.Ordinal) ? options.Store["sqlite:".Length..] : options.Store);
            await output.WriteLineAsync($"Board {options.Origin} at {string.Join(", ", app.Urls)} (store: {store}; data: {options.BaseDirectory}).");
            await output.WriteLineAsync($"Pages: {app.Urls.First()}/ (dashboard, results, ballot check, log, incidents, audit; docs/pages.md).");
            if (options.Exchange is { Enabled: true, IsLegacy: true })
            {
                await output.WriteLineAsync("Exchange: the configuration predates sealing (no exchange.requireSealing): TLP:AMBER is accepted in the clear, the legacy request form too, collections are public; set \"requireSealing\": true (docs/exchange.md).");
            }

            if (options.Limits.BallotValidator is Entente.Cluster.ClusterBallotValidator validator)
            {
                await output.WriteLineAsync($"Ballots: proofs checked on the cluster ({(on == "dev" ? $"{session!.Silos.Count} silo process(es) on loopback" : "PostgreSQL membership")}), {validator.Workers} at once; beyond {options.Limits.MaxPendingValidations} pending, posts get 503 with Retry-After.");
            }

            await output.WriteLineAsync(options.Exchange is { Enabled: true }
                ? "API: /board, /checkpoint, TAXII 2.1 at /taxii2/, exchange proofs at /exchange/, /openapi/v1.json (docs/http-api.md). Ctrl-C to stop."
                : "API: /board, /checkpoint, /openapi/v1.json (docs/http-api.md). Ctrl-C to stop.");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The cluster of <c>--cluster</c>, connected; null (with the reason written) when it cannot be started or reached.</summary>
    private static async Task<ClusterSession?> ConnectClusterAsync(string on, int silos, string? tlsCertificate, TextWriter error, CancellationToken ct)
    {
        try
        {
            return await ClusterSession.ConnectAsync(on, silos, tlsCertificate, error, ct);
        }
        catch (ClusterUnavailableException e)
        {
            await error.WriteLineAsync($"error: --cluster {(on == "dev" ? "dev" : "(connection string)")}: {e.Message}");
            return null;
        }
    }

    /// <summary><c>entente serve --mirror mirror.json</c>: the pages and read APIs over the mirror's copy, read-only (docs/mirror.md).</summary>
    private static async Task<int> ServeMirrorAsync(string configFile, string? charterFile, string listen, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (ListenProblem(listen) is string problem)
        {
            await error.WriteLineAsync($"error: --urls {listen}: {problem}");
            return ExitCodes.UsageOrInput;
        }

        WebApplication app;
        Entente.Server.Mirror.MirrorServerOptions options;
        try
        {
            options = Entente.Server.Mirror.MirrorServerOptions.Load(configFile);
            app = await ServerApp.BuildReadOnlyMirrorAsync(options, options.Resolve("pages"), listen, charterFile is null ? null : Path.GetFullPath(charterFile), ct);
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException or ArgumentException
            or Entente.Transparency.Log.LogStoreException or Entente.Transparency.Log.LogFatalException or Entente.Transparency.Notes.NoteFormatException)
        {
            await error.WriteLineAsync($"error: --mirror {configFile}: {e.Message}");
            return ExitCodes.UsageOrInput;
        }

        await using WebApplication started = app;
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"error: --urls {listen}: {e.Message}");
            return ExitCodes.UsageOrInput;
        }

        LogService log = app.Services.GetRequiredService<LogService>();
        Entente.Server.Mirror.ReadOnlyMirror mirror = log.ReadOnlyMirror!;
        await output.WriteLineAsync($"Mirror of {mirror.Origin} at {string.Join(", ", app.Urls)}: read-only, the copy cosigned by {mirror.MirrorName} at size {mirror.Head.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)} (store: {options.Store}).");
        await output.WriteLineAsync($"Pages: {app.Urls.First()}/ (dashboard, results, ballot check, log; docs/pages.md). Writes answer 405: post to the board at {mirror.Board}.");
        await app.WaitForShutdownAsync(ct);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Why the server cannot listen on <paramref name="urls"/> (Kestrel's <c>;</c>-separated list), or null: each must be
    /// an absolute http or https URL with a port in 0..65535, and its port free on its address (<c>localhost</c> is the
    /// loopback address, <c>*</c>, <c>+</c> and host names every address, as Kestrel binds them).
    /// </summary>
    internal static string? ListenProblem(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        string[] addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            return "no address to listen on.";
        }

        foreach (string address in addresses)
        {
            string normalised = address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            int colon = normalised.LastIndexOf(':');
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                bool badPort = colon > normalised.IndexOf("://", StringComparison.Ordinal) + 2
                    && long.TryParse(normalised[(colon + 1)..].TrimEnd('/'), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long port)
                    && port is < 0 or > 65535;
                return badPort
                    ? $"the port of {address} is out of range (0..65535)."
                    : $"{address} is not an http:// or https:// URL with a host and an optional port.";
            }

            if (uri.Port == 0)
            {
                continue;
            }

            System.Net.IPAddress ip = uri.Host == "localhost" ? System.Net.IPAddress.Loopback
                : System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out System.Net.IPAddress? literal) ? literal
                : System.Net.IPAddress.Any;
            try
            {
                using System.Net.Sockets.TcpListener probe = new(ip, uri.Port);
                probe.Start();
                probe.Stop();
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse
                    ? $"port {uri.Port} on {ip} is in use (another server listens there); choose another port."
                    : $"cannot listen on {ip}:{uri.Port} ({e.SocketErrorCode}: {e.Message}).";
            }
        }

        return null;
    }

    /// <summary>Configuration from defaults, the file, ENTENTE_ environment variables and flags, in that order of precedence (last wins).</summary>
    internal static (LogServerOptions Options, string Urls) LoadOptions(string? configFile, string? dataDirectory, IReadOnlyDictionary<string, string?> flags)
    {
        ConfigurationBuilder builder = new();
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["origin"] = "entente.local/board",
            ["store"] = "sqlite:board.db",
            ["key"] = "log.key",
            ["charter"] = "charter.json",
            ["urls"] = DefaultUrls,
        });
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new FileNotFoundException($"The configuration file {configFile} does not exist.", configFile);
            }

            builder.AddJsonFile(configFile, optional: false);
        }

        builder.AddEnvironmentVariables("ENTENTE_");
        builder.AddInMemoryCollection(flags);
        IConfigurationRoot configuration = builder.Build();
        LogServerOptions options = new();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"configuration: {e.Message}", e);
        }

        options.Board = true;
        // The incident exchange is hosted unless the configuration says "exchange": { "enabled": false }. Without any
        // configuration file the board is new: sealing required. A file without the section predates sealing and keeps
        // the old behaviour (docs/exchange.md, "Configurations written before sealing").
        options.Exchange ??= configFile is null ? HostedExchangeOptions.Current() : new HostedExchangeOptions();
        options.BaseDirectory = dataDirectory ?? (configFile is not null ? Path.GetDirectoryName(Path.GetFullPath(configFile))! : Directory.GetCurrentDirectory());
        if (options.MaxEntrySize is < 1 or > 65535)
        {
            throw new FormatException($"configuration: maxEntrySize must be 1..65535 (got {options.MaxEntrySize}).");
        }

        return (options, configuration["urls"] ?? DefaultUrls);
    }
}
