using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// A finished demo election (tiny group) served by <see cref="DemoSite"/> on a real Kestrel port, and
/// Debian's Chromium driven by Playwright. Chromium comes from ENTENTE_TEST_CHROMIUM (scripts/test.sh);
/// Playwright never downloads a browser.
/// </summary>
public sealed class DemoSiteFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private WebApplication? _site;
    private IPlaywright? _playwright;

    public DemoResult Result { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public IBrowser? Browser { get; private set; }

    /// <summary>Why the browser is absent (null when present).</summary>
    public string? Missing { get; private set; }

    public IReadOnlyList<string> CastCodes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("entente-demo-site-").FullName, "work");
        Result = await JointElectionDemo.RunAsync(new DemoOptions { Directory = dir, Group = Group.Tiny, Ballots = 20, Challenged = 1 });
        ElectionRecord record = await RecordStore.ReadAsync(Result.RecordDirectory);
        CastCodes = [.. record.Ballots.Where(b => b.State == BallotState.Cast).Select(b => b.ConfirmationCode.ToHex())];
        _site = await DemoSite.BuildAsync(Result, "http://127.0.0.1:0");
        await _site.StartAsync();
        BaseUrl = _site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        string? chromium = Environment.GetEnvironmentVariable("ENTENTE_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(chromium) || !File.Exists(chromium))
        {
            Missing = $"ENTENTE_TEST_CHROMIUM is unset or names no file ('{chromium}'); run ./scripts/test.sh";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ChromiumArgs });
    }

    /// <summary>The browser, or a skip (locally) or failure (CI=true) when it is absent.</summary>
    public IBrowser RequireBrowser()
    {
        if (Browser is not null)
        {
            return Browser;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("Browser tests must run in CI: " + Missing);
        }

        Skip.If(true, Missing);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Where screenshots go: a folder under the test output.</summary>
    public static string Screenshot(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name + ".png");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_site is not null)
        {
            await _site.StopAsync();
            await _site.DisposeAsync();
        }
    }
}
