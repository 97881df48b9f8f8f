using Entente.Cli.Commands;

namespace Entente.Cli.Tests.Unit;

/// <summary>Issue #15 item 9: <c>entente demo</c> run from a checkout left its folder in the repository.</summary>
public class DemoDefaultFolderTests
{
    [Fact]
    public void The_default_demo_folder_is_under_the_users_local_data_or_temporary_folder_never_the_current_one()
    {
        string folder = DemoCommand.DefaultDirectory();
        string data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        string root = string.IsNullOrEmpty(data) ? Path.GetTempPath() : data;
        Assert.StartsWith(Path.Combine(root, "entente", "demo-"), folder, StringComparison.Ordinal);
        Assert.False(Path.GetFullPath(folder).StartsWith(Path.GetFullPath(Environment.CurrentDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            && !root.StartsWith(Path.GetFullPath(Environment.CurrentDirectory), StringComparison.Ordinal), folder);
    }
}
