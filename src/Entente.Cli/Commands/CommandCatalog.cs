using System.CommandLine;

namespace Entente.Cli.Commands;

/// <summary>
/// Every top-level verb of <c>entente</c>, one file each under Commands/. Add a line here when a
/// capability brings its verb.
/// </summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return AuditCommand.Create();
        yield return ParamsCommand.Create();
        yield return BenchCommand.Create();
        yield return VerifyCommand.Create();
        yield return ClusterCommand.Create();
        yield return IncidentCommand.Create();
        yield return LogCommand.Create();
        yield return WitnessCommand.Create();
        yield return MirrorCommand.Create();
        yield return MonitorCommand.Create();
        yield return ElectionCommand.Create();
        yield return GuardianCommand.Create();
        yield return EncryptCommand.Create();
        yield return PreEncryptCommand.Create();
        yield return TallyCommand.Create();
        yield return DecryptCommand.Create();
        yield return DemoCommand.Create();
        yield return ServeCommand.Create();
        yield return Record.RecordCommand.Create();
        yield return RollCommand.Create();
        yield return ResultsCommand.Create();
    }
}
