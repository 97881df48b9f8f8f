using System.CommandLine;

namespace Entente.Cli.Tests.Audit;

/// <summary>Runs the real command tree in-process and captures its output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        RootCommand root = Program.BuildRootCommand();
        using StringWriter output = new();
        using StringWriter error = new();
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), error.ToString());
    }

    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Audit", "Data", name);

    public static string Expected(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Audit", "Expected", name)).Replace("\r\n", "\n", StringComparison.Ordinal);
}
