using System.Diagnostics;

namespace Entente.Cli.Tests.Tool;

/// <summary>The README's install command: the CLI packed as a .NET tool from the checkout and run as <c>entente</c>.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Entente.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("the test does not run inside the checkout");
    }

    private static (int Code, string Out) Run(string file, params string[] args)
    {
        ProcessStartInfo start = new(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_cli_packs_as_a_dotnet_tool_that_installs_from_the_checkout_and_runs_as_entente()
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string packages = Path.Combine(_dir, "artifacts");
        (int code, string output) = Run(dotnet, "pack", Path.Combine(RepositoryRoot(), "src", "Entente.Cli"), "-c", "Release", "--no-build", "-o", packages, "-nologo");
        Assert.True(code == 0, output);
        string package = Assert.Single(Directory.GetFiles(packages, "Entente.Cli.*.nupkg"));

        string tools = Path.Combine(_dir, "tools");
        (code, output) = Run(dotnet, "tool", "update", "Entente.Cli", "--tool-path", tools, "--add-source", packages);
        Assert.True(code == 0, output);
        Assert.Contains("entente", output, StringComparison.Ordinal);

        string entente = Path.Combine(tools, "entente");
        (code, output) = Run(entente, "--version");
        Assert.True(code == 0, output);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);

        (code, output) = Run(entente, "verify", "--help");
        Assert.True(code == 0, output);
        Assert.Contains("RECORD", output, StringComparison.OrdinalIgnoreCase);
        Assert.True(new FileInfo(package).Length > 0);
    }
}
