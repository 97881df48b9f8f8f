using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Cli.Commands.Incident;

/// <summary>A message's proof as the verbs show and export it, with its verification.</summary>
/// <param name="Index">The message's index in the exchange.</param>
/// <param name="Json">The proof document (written by <c>export</c>).</param>
/// <param name="Failures">Failed checks (empty: verified).</param>
/// <param name="Checks">The checks done, for display.</param>
internal sealed record VerifiedProof(long Index, JsonNode Json, IReadOnlyList<ProofFailure> Failures, string Checks);

/// <summary>
/// Where the incident verbs read and write: the local workspace (SQLite store, unit file, own log) or, with
/// <c>--server URL</c>, the exchange hosted by <c>entente serve</c> (TAXII 2.1 and board proofs).
/// </summary>
internal interface IIncidentTarget : IDisposable
{
    PartyRegistry Parties { get; }

    /// <summary>The collections (with whether each is public).</summary>
    IReadOnlyCollection<CollectionDefinition> Collections { get; }

    /// <summary>The exchange's entries in log order (remote: a verified-on-read mirror of what the caller may read).</summary>
    Task<IExchangeStore> StoreAsync(CancellationToken cancellationToken);

    /// <summary>The caller's party (from <c>--key</c>).</summary>
    Party Me();

    /// <summary>A party by name or identity id.</summary>
    Party Find(string nameOrIdentity);

    /// <summary>The collection to use: the given id, else the first.</summary>
    string Collection(string? id);

    /// <summary>Signs <paramref name="stixObject"/> in an envelope and submits it.</summary>
    Task<ExchangeReceipt> SendAsync(JsonNode stixObject, string collection, string? recipient, CancellationToken cancellationToken);

    /// <summary>The proof of a stored entry, verified.</summary>
    Task<VerifiedProof> ProveAsync(ExchangeEntry entry, CancellationToken cancellationToken);

    /// <summary>The header of an export's proofs file (keys needed to verify it).</summary>
    JsonObject ProofsHeader();
}

/// <summary>Opens the target the options name.</summary>
internal static class IncidentTargets
{
    public static async Task<IIncidentTarget> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (parse.GetValue(IncidentOptions.Server) is string server)
        {
            return await RemoteIncidentTarget.OpenAsync(server, parse.GetValue(IncidentOptions.Key)!, parse.GetValue(IncidentOptions.Policy), cancellationToken).ConfigureAwait(false);
        }

        IncidentWorkspace workspace = await IncidentWorkspace.OpenAsync(IncidentOptions.Paths(parse), cancellationToken).ConfigureAwait(false);
        return new LocalIncidentTarget(workspace, parse.GetValue(IncidentOptions.Key)!);
    }
}

/// <summary>The local workspace: the exchange service over the SQLite store, proofs from the workspace's own log.</summary>
internal sealed class LocalIncidentTarget(IncidentWorkspace workspace, string keyPath) : IIncidentTarget
{
    private PartyKey? _key;
    private EncryptionKey? _encryptionKey;
    private ReaderView? _view;

    public PartyRegistry Parties => workspace.Parties;

    public IReadOnlyCollection<CollectionDefinition> Collections => workspace.Service.Collections;

    /// <summary>The store as the caller reads it: sealed messages opened with the key of <c>--key</c> when it exists, left sealed otherwise.</summary>
    public Task<IExchangeStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (_view is null)
        {
            Party? me = File.Exists(keyPath) && Parties.TryGetByKey(Key().PublicKey, out Party? found) ? found : null;
            _encryptionKey = me is null ? null : EncryptionKey.Derive(Key());
            _view = new ReaderView(workspace.Store, me?.IdentityRef, _encryptionKey, Parties);
        }

        return Task.FromResult<IExchangeStore>(_view);
    }

    public Party Me() => workspace.Me(Key());

    public Party Find(string nameOrIdentity) => workspace.Find(nameOrIdentity);

    public string Collection(string? id) => workspace.Collection(id);

    public async Task<ExchangeReceipt> SendAsync(JsonNode stixObject, string collection, string? recipient, CancellationToken cancellationToken)
    {
        CollectionDefinition definition = workspace.Service.Collections.First(c => c.Id == collection);
        IExchangeEnvelope envelope = IncidentSend.Envelope(Key(), Me(), stixObject, definition, workspace.Parties, recipient);
        return await workspace.Service.SubmitAsync(envelope.ToCanonicalJson(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<VerifiedProof> ProveAsync(ExchangeEntry entry, CancellationToken cancellationToken)
    {
        ExchangeProof proof = await workspace.Log.ProveAsync(entry.Index, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ProofFailure> problems = ExchangeProofVerifier.Verify(proof, workspace.Parties, workspace.LogKey.Verifier);
        return new VerifiedProof(entry.Index, JsonNode.Parse(proof.ToJson())!, problems, "signature, inclusion, checkpoint");
    }

    public JsonObject ProofsHeader() => new()
    {
        ["format"] = "entente-exchange-proofs/v1",
        ["log_verifier_key"] = workspace.LogKey.VerifierKey,
        ["parties"] = IncidentTargetJson.Parties(workspace.Parties),
    };

    public void Dispose()
    {
        _encryptionKey?.Dispose();
        _key?.Dispose();
        workspace.Dispose();
    }

    private PartyKey Key() => _key ??= IncidentWorkspace.LoadPartyKey(keyPath);
}

/// <summary>JSON shared by the targets.</summary>
internal static class IncidentTargetJson
{
    public static JsonArray Parties(PartyRegistry parties) => new([.. parties.All.Select(p => (JsonNode)new JsonObject
    {
        ["name"] = p.Name,
        ["identity"] = p.IdentityRef,
        ["public_key"] = p.PublicKeyBase64,
        ["encryption_key"] = p.EncryptionKey is null ? null : IncidentWorkspace.EncryptionKeyJson(p.EncryptionKey),
    })]);
}
