using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;

namespace Entente.Cli.Commands.Incident;

/// <summary>Builds, signs and submits objects from the command line.</summary>
internal static class IncidentSend
{
    public static JsonObject Common(string type, Party me)
    {
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        return new JsonObject
        {
            ["type"] = type,
            ["spec_version"] = "2.1",
            ["id"] = StixId.NewV4(type).ToString(),
            ["created"] = now,
            ["modified"] = now,
            ["created_by_ref"] = me.IdentityRef,
        };
    }

    /// <summary>Runs a verb body with the exit-code mapping shared by the incident verbs.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (IncidentInputException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }
        catch (ExchangeRejectedException e)
        {
            await Console.Error.WriteLineAsync($"refused ({e.Reason}): {e.Message}").ConfigureAwait(false);
            foreach (StixValidationError error in e.ValidationErrors)
            {
                await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
            }

            return ExitCodes.UsageOrInput;
        }
        catch (IncidentRemoteRefusedException e)
        {
            await Console.Error.WriteLineAsync("refused: " + e.Message).ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }
        catch (Exchange.Storage.ExchangeStoreException e)
        {
            await Console.Error.WriteLineAsync($"error: the exchange store failed{(e.IsTransient ? " (try again)" : "")}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }
    }
}
