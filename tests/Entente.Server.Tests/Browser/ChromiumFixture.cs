using Microsoft.Playwright;

namespace Entente.Server.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright (DESIGN.md, "Known to work"): the executable from ENTENTE_TEST_CHROMIUM
/// (scripts/test.sh sets it), headless; Playwright never downloads a browser. Absent: the tests skip locally and fail in CI.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    /// <summary>Why the browser is absent (null when present).</summary>
    public string? Missing { get; private set; }

    public async Task InitializeAsync()
    {
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

    /// <summary>Where a screenshot goes: screenshots/live/NAME.png under the test output (kept as a test artifact).</summary>
    public static string Screenshot(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "screenshots", "live");
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
    }
}
