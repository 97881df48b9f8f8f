using System.CommandLine;
using Entente.Cli.Commands.Incident;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente incident keygen | file | list | show | ack | answer | export</c>: the joint incident
/// exchange from the command line, against a local exchange store (SQLite) and unit file, or with
/// <c>--server URL</c> against the exchange hosted by <c>entente serve</c> (TAXII 2.1, proofs on the board's log).
/// </summary>
internal static class IncidentCommand
{
    public static Command Create()
    {
        Command command = new("incident", "Requests for assistance and incident messages: signed STIX 2.1, every message on the log.")
        {
            IncidentOptions.Store, IncidentOptions.Unit, IncidentOptions.LogKey, IncidentOptions.Key, IncidentOptions.Json, IncidentOptions.Server, IncidentOptions.Policy,
        };
        command.Subcommands.Add(IncidentVerbs.Keygen());
        command.Subcommands.Add(IncidentVerbs.FileRequest());
        command.Subcommands.Add(IncidentVerbs.List());
        command.Subcommands.Add(IncidentVerbs.Show());
        command.Subcommands.Add(IncidentVerbs.Ack());
        command.Subcommands.Add(IncidentVerbs.Answer());
        command.Subcommands.Add(IncidentVerbs.Export());
        return command;
    }
}
