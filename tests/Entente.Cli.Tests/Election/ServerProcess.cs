using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// A long-running <c>entente</c> server (<c>serve</c>, <c>witness serve</c>) in its own process on a fixed loopback port,
/// that a test can kill (SIGKILL, as a power cut would) and start again with the same arguments on the same port and
/// data. Disposing kills the process this object started, by its id.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly string[] _args;
    private readonly string _ready;
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    private ServerProcess(string name, int port, string ready, string[] args)
    {
        Name = name;
        Port = port;
        Url = $"http://127.0.0.1:{port}/";
        _ready = ready;
        _args = args;
    }

    /// <summary>What the process is, for messages.</summary>
    public string Name { get; }

    /// <summary>Its port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Its base URL (ending in '/').</summary>
    public string Url { get; }

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What the process printed so far (every run).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>entente <paramref name="args"/></c> listening on <paramref name="port"/> (the args carry <c>--urls</c>)
    /// and waits until GET <paramref name="ready"/> answers (any status when <paramref name="ready"/> is empty, else 200).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, int port, string ready, params string[] args)
    {
        ServerProcess server = new(name, port, ready, args);
        try
        {
            await server.RestartAsync();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>Starts the process again (after <see cref="Kill"/>) with the same arguments, and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running");
        }

        _process?.Dispose();
        lock (_log)
        {
            _log.AppendLine($"--- start {Name}");
        }

        _process = EntenteProcess.Start(_log, _args);
        using HttpClient http = new() { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        // Two minutes: a board that starts cluster silos first (serve --cluster dev) takes longer than one that does not.
        DateTime until = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited {_process.ExitCode}: {Log}");
            }

            try
            {
                using HttpResponseMessage answer = await http.GetAsync(_ready);
                if (_ready.Length == 0 || answer.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{Name} did not answer within 2 minutes: {Log}");
    }

    /// <summary>Kills the process at once (SIGKILL: no shutdown, no flush) and waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    /// <summary>A loopback port free at the time of the call.</summary>
    public static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
