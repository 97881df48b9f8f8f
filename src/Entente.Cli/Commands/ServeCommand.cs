using System.CommandLine;
using Entente.Server.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente serve --dir DEMO_DIR</c>: serves a finished demo's board (log read paths, blobs, proofs) and its
/// pages again, on 127.0.0.1 unless <c>--urls</c> (or ENTENTE_URLS) says otherwise. The general board
/// server with the election API and request authentication is not here yet (docs/http-api.md).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> dir = new("--dir") { Description = "The folder of a finished `entente demo` run.", Required = true };
        Option<string?> urls = new("--urls") { Description = "Where to listen (default: ENTENTE_URLS, else http://127.0.0.1:5080)." };
        Command command = new("serve", "Serve the board and pages of a finished demo election.") { dir, urls };
        command.SetAction(async (parseResult, ct) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            string folder = parseResult.GetValue(dir)!.FullName;
            DemoResult result;
            try
            {
                result = await JointElectionDemo.LoadAsync(folder, ct);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: {folder} is not a finished demo folder ({e.Message}); run `entente demo --dir {folder}` first.");
                return ExitCodes.UsageOrInput;
            }

            string listen = parseResult.GetValue(urls) ?? Environment.GetEnvironmentVariable("ENTENTE_URLS") ?? "http://127.0.0.1:5080";
            await using WebApplication site = await DemoSite.BuildAsync(result, listen, ct);
            await site.StartAsync(ct);
            await output.WriteLineAsync($"Serving {folder} at {string.Join(", ", site.Urls)} (Ctrl-C to stop).");
            // The host's console lifetime turns Ctrl-C and SIGTERM into a shutdown of the site.
            await site.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
        return command;
    }
}
