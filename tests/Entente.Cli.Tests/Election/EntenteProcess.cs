using System.Diagnostics;

namespace Entente.Cli.Tests.Election;

/// <summary>
/// Runs the built <c>entente</c> in its own process, as a guardian or an official would: each call is
/// a separate process that shares nothing with the others but the files it reads and writes.
/// </summary>
internal static class EntenteProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);

    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        ProcessStartInfo start = StartInfo(environment, args);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start entente");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"entente {string.Join(' ', args)} did not finish within {Limit}");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// Starts a long-running <c>entente</c> (a server) and returns it; the caller stops it. Its output is drained into
    /// <paramref name="log"/> as it comes (a full pipe would stall the server).
    /// </summary>
    public static Process Start(System.Text.StringBuilder log, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(log);
        Process process = new() { StartInfo = StartInfo(null, args) };
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start entente");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        ProcessStartInfo start = new(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "entente.dll"));
        foreach (string arg in args)
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

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);

    /// <summary>Runs and asserts exit 0, showing the output when it is not.</summary>
    public static string Ok(params string[] args)
    {
        (int code, string output, string error) = Run(args);
        Assert.True(code == 0, $"entente {string.Join(' ', args)} exited {code}\nstdout: {output}\nstderr: {error}");
        return output;
    }
}

/// <summary>A temporary folder deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "entente-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
