using System.Text;
using Entente.Client.Exchange;
using Entente.Client.Http;
using Entente.Client.Tests.Support;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Stix;
using Entente.Server.Exchange;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Client.Tests.Contract;

/// <summary>ExchangeClient against the exchange a real board hosts (TAXII 2.1 and the proof endpoints), with a live witness.</summary>
public sealed class ExchangeClientTests
{
    private static SignedEnvelope Note(PartyKey key, string sender, string about, int n, DateTimeOffset when) =>
        SignedEnvelope.Create(key, sender, HostedExchange.DefaultCollectionId, null, when, StixObject.Parse(Encoding.UTF8.GetBytes($$"""
            {"type":"note","spec_version":"2.1","id":"note--{{Guid.NewGuid()}}","created":"2026-11-03T08:00:0{{n}}.000Z","modified":"2026-11-03T08:00:0{{n}}.000Z","content":"note {{n}}","object_refs":["{{about}}"],"created_by_ref":"{{sender}}"}
            """)));

    [Fact]
    public async Task Envelopes_posted_over_taxii_page_back_with_next_and_added_after_and_each_proof_verifies_against_the_policy()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync(exchange: true);
        using PartyKey blueKey = LoopbackBoard.ExchangeKey(board.Blue);
        using ExchangeClient blue = new(board.Address, LoopbackBoard.Fast, new HttpSignatureHandler(board.Blue));
        using ExchangeClient anonymous = new(board.Address, LoopbackBoard.Fast);

        TaxiiDiscovery discovery = await blue.GetDiscoveryAsync();
        Assert.Equal("/taxii2/api/", discovery.Default);
        Assert.Contains(ExchangeClient.TaxiiMediaType, (await blue.GetApiRootAsync()).Versions);
        TaxiiCollectionInfo collection = Assert.Single(await blue.GetCollectionsAsync());
        Assert.True(collection.CanRead && collection.CanWrite);
        Assert.Equal(collection.Id, (await blue.GetCollectionAsync(collection.Id)).Id);

        // Five notes, one post each; posting the first envelope again is refused as a replay, with the reason in the status.
        List<string> ids = [];
        SignedEnvelope? first = null;
        for (int n = 0; n < 5; n++)
        {
            SignedEnvelope envelope = Note(blueKey, LoopbackBoard.BlueIdentity, LoopbackBoard.RedIdentity, n, DateTimeOffset.UtcNow);
            first ??= envelope;
            TaxiiStatus status = await blue.WaitForStatusAsync(await blue.AddObjectsAsync(collection.Id, [envelope.ToCanonicalJson()]));
            Assert.Equal(1, status.SuccessCount);
            ids.Add(envelope.Payload.Id.ToString());
        }

        TaxiiStatus again = await blue.AddObjectsAsync(collection.Id, [first!.ToCanonicalJson()]);
        Assert.Equal(0, again.SuccessCount);
        Assert.StartsWith("Replayed envelope", Assert.Single(again.Failures!).Message, StringComparison.Ordinal);

        // Pages of two, followed by next; added_after from the second page's last object gives the rest.
        List<string> paged = [];
        await foreach (StixObjectDocument o in blue.ReadObjectsAsync(collection.Id, pageSize: 2))
        {
            paged.Add(o.ObjectId);
            Assert.False(o.IsSealed);
            Assert.Equal("note", o.Type);
            Assert.True(o.Properties!.ContainsKey("content"));
        }

        Assert.Equal(ids, paged);
        TaxiiPage second = await blue.GetObjectsAsync(collection.Id, new TaxiiQuery { Limit = 2, Next = (await blue.GetObjectsAsync(collection.Id, new TaxiiQuery { Limit = 2 })).Envelope.Next });
        Assert.Equal(ids[2..4], second.Envelope.Objects!.Select(o => o.Id));
        List<string> after = [];
        await foreach (StixObjectDocument o in blue.ReadObjectsAsync(collection.Id, addedAfter: second.DateAddedLast))
        {
            after.Add(o.ObjectId);
        }

        Assert.Equal(ids[4..], after);
        Assert.Equal(5, (await blue.GetManifestAsync(collection.Id)).Objects!.Count);
        Assert.Single((await blue.GetVersionsAsync(collection.Id, ids[0])).Versions!);
        Assert.Equal(ids[0], Assert.Single((await blue.GetObjectAsync(collection.Id, ids[0])).Objects!).Id);

        // The proofs verify against the board's policy once the witness cosigned them (503 + Retry-After until then).
        ExchangeUnit unit = await anonymous.GetUnitAsync();
        PartyRegistry parties = unit.ToParties();
        Dictionary<string, INoteVerifier> keys = unit.BoardKeys.Select(VerifierKeys.Parse).ToDictionary(k => k.Name, StringComparer.Ordinal);
        TrustPolicy policy = TrustPolicy.Parse(unit.Policy);
        ExchangeProofDocument byIndex = await blue.GetEntryProofAsync(3);
        Assert.Equal(ids[3], byIndex.ObjectId);
        BoardExchangeVerification verified = BoardExchangeVerifier.Verify(byIndex.ToProof(), parties, policy, name => keys.GetValueOrDefault(name));
        Assert.True(verified.Valid, string.Join("; ", verified.Failures));
        ExchangeProofDocument byObject = Assert.Single(await blue.GetObjectProofsAsync(ids[3]));
        Assert.Equal(ExchangeClient.ToJson(byIndex), ExchangeClient.ToJson(byObject));

        // Unsigned TAXII reads are refused with the TAXII error's reason.
        RequestRefusedException refused = await Assert.ThrowsAsync<RequestRefusedException>(() => anonymous.GetCollectionsAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("registered party", refused.Detail, StringComparison.Ordinal);
    }
}
