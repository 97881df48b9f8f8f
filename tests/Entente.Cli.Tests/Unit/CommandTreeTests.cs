using System.CommandLine;

namespace Entente.Cli.Tests.Unit;

[Collection("console")]
public class CommandTreeTests
{
    [Fact]
    public void Every_top_level_verb_is_registered_once()
    {
        // CommandCatalog.cs is union-merged; a verb registered twice makes every parse throw.
        List<string> names = [.. CommandCatalog_All().Select(c => c.Name)];
        Assert.NotEmpty(names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("params")]
    [InlineData("verify")]
    [InlineData("log")]
    [InlineData("audit")]
    [InlineData("incident")]
    [InlineData("election")]
    public void The_root_command_offers_the_verb(string verb)
    {
        RootCommand root = Program.BuildRootCommand();
        Assert.Contains(root.Subcommands, c => c.Name == verb);
    }

    [Fact]
    public void An_unknown_verb_is_a_usage_error_with_exit_code_2()
    {
        TextWriter originalError = Console.Error;
        using StringWriter error = new();
        Console.SetError(error);
        try
        {
            Assert.Equal(2, Program.Run(["no-such-verb"]));
        }
        finally
        {
            Console.SetError(originalError);
        }

        Assert.Contains("no-such-verb", error.ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<Command> CommandCatalog_All() => Entente.Cli.Commands.CommandCatalog.All();
}
