using System.Diagnostics;
using System.Text;

namespace Entente.Cli.Commands.Demo;

/// <summary>The outcome of one <c>entente</c> process.</summary>
internal sealed record EntenteRun(string Command, int Code, string Output, string Error)
{
    /// <summary>The process's error output, else its output, trimmed to what explains a failure.</summary>
    public string Why => (Error.Trim().Length > 0 ? Error : Output).Trim() is { Length: > 0 } text ? text : $"exit code {Code}";
}

/// <summary>A failed step of the demo: which process, its exit code and what it printed.</summary>
internal sealed class DemoStepException(string message) : Exception(message);

/// <summary>
/// How the demo starts <c>entente</c>: the executable this process runs from (the <c>entente</c> apphost, or
/// <c>dotnet entente.dll</c>), so every party's process is the same build as the demo. Each process gets its own
/// arguments and environment and shares nothing with the others but the board and the files it is given.
/// </summary>
internal sealed class EntenteExecutable
{
    private readonly string _file;
    private readonly string[] _prefix;
    private int _started;

    private EntenteExecutable(string file, string[] prefix)
    {
        _file = file;
        _prefix = prefix;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Command, int Code, TimeSpan Elapsed)> _finished = new();

    /// <summary>Every process run to its end so far: its arguments, exit code and wall time.</summary>
    public IReadOnlyList<(string Command, int Code, TimeSpan Elapsed)> Finished => [.. _finished];

    /// <summary>Processes started so far.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>The executable of the current process: the <c>entente</c> apphost itself, else <c>dotnet</c> with the entente assembly.</summary>
    public static EntenteExecutable Current()
    {
        string assembly = typeof(EntenteExecutable).Assembly.Location;
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process).Equals("entente", StringComparison.OrdinalIgnoreCase))
        {
            return new EntenteExecutable(process, []);
        }

        string dotnet = process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return new EntenteExecutable(dotnet, [assembly]);
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        ProcessStartInfo start = new(_file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in _prefix.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("ENTENTE_GUARDIAN_PASSPHRASE");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs <c>entente ARGS</c> to its end and returns what it printed.</summary>
    public async Task<EntenteRun> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        Stopwatch watch = Stopwatch.StartNew();
        using Process process = Process.Start(StartInfo(args, environment)) ?? throw new DemoStepException($"could not start {_file}");
        Interlocked.Increment(ref _started);
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        EntenteRun run = new(string.Join(' ', args), process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        _finished.Enqueue((run.Command, run.Code, watch.Elapsed));
        return run;
    }

    /// <summary>Runs <c>entente ARGS</c> and throws <see cref="DemoStepException"/> naming the step when it does not exit 0.</summary>
    public async Task<EntenteRun> OkAsync(string step, IReadOnlyList<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        EntenteRun run = await RunAsync(args, cancellationToken, environment).ConfigureAwait(false);
        return run.Code == 0 ? run : throw new DemoStepException($"{step} (entente {run.Command}) exited {run.Code}: {run.Why}");
    }

    /// <summary>Starts a long-running <c>entente</c> (a server) whose output is kept in memory.</summary>
    public ServerProcess Start(string name, IReadOnlyList<string> args)
    {
        Process process = new() { StartInfo = StartInfo(args, null) };
        ServerProcess server = new(name, process);
        if (!process.Start())
        {
            throw new DemoStepException($"could not start {name}");
        }

        Interlocked.Increment(ref _started);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }
}

/// <summary>A server the demo started (the board or a witness); disposing stops it by its process id.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(e.Data);
                }

                Forward?.Invoke(e.Data);
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
    }

    public string Name { get; }

    /// <summary>Where each later line the process prints also goes (e.g. an operator's standard error), or null.</summary>
    public Action<string>? Forward { get; set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the server printed so far.</summary>
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

    /// <summary>Waits until the server exits (or <paramref name="cancellationToken"/> fires).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends the server and its child processes a kill, without waiting for them to exit.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
    }

    /// <summary>Stops the server (<see cref="Kill"/>) and waits for it to exit.</summary>
    public void Dispose()
    {
        Kill();
        try
        {
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // never started
        }

        _process.Dispose();
    }
}
