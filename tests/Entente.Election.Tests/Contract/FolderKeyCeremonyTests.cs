using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

public class FolderKeyCeremonyTests
{
    private static async Task<FolderElectionBoard> NewFolder(TestFiles.TempFolder temp, int n, int k)
    {
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        FolderElectionBoard folder = new(temp.File("ceremony"));
        await KeyCeremonySteps.InitializeAsync(folder, ElectionParameters.Create(Group.Tiny, manifest, n, k));
        return folder;
    }

    private static GuardianSecretAccess Secret(TestFiles.TempFolder temp, int i, string? passphrase = null) =>
        new(temp.File($"guardian-{i}.secret.json"), passphrase, AllowPlaintext: passphrase is null);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Three_guardians_complete_the_ceremony_through_files_with_sealed_secrets()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await NewFolder(temp, 3, 2);
        for (int i = 1; i <= 3; i++)
        {
            await KeyCeremonySteps.KeygenAsync(folder, i, $"G{i}", Secret(temp, i, $"pass {i}"));
        }

        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal(2, await KeyCeremonySteps.ShareAsync(folder, i, Secret(temp, i, $"pass {i}")));
        }

        for (int i = 1; i <= 3; i++)
        {
            Assert.Empty(await KeyCeremonySteps.ReceiveAsync(folder, i, Secret(temp, i, $"pass {i}")));
        }

        Assert.Null((await KeyCeremonySteps.ApproveAsync(folder, 1, Secret(temp, 1, "pass 1"))).ElectionKey);
        Assert.Null((await KeyCeremonySteps.ApproveAsync(folder, 2, Secret(temp, 2, "pass 2"))).ElectionKey);
        await Assert.ThrowsAsync<ElectionFormatException>(() => folder.LoadContextAsync());
        Assert.Equal(PublicationState.Published, (await KeyCeremonySteps.ApproveAsync(folder, 3, Secret(temp, 3, "pass 3"))).ElectionKey?.State);
        ElectionContext context = await folder.LoadContextAsync();
        Assert.Equal(3, context.Guardians.Count);

        // After the ceremony the secret file is bound to H_E: reading it as the H_B-bound key file fails.
        ElectionParameters parameters = context.Parameters;
        ElectionFormatException ex = Assert.Throws<ElectionFormatException>(() =>
            GuardianSecretFile.Read(temp.File("guardian-1.secret.json"), Group.Tiny, 2, 1, parameters.ElectionBaseHash, "pass 1", false));
        Assert.Equal("$.binding", ex.Location);
    }

    [Fact]
    public async Task Using_another_guardians_secret_file_is_refused()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await NewFolder(temp, 2, 2);
        await KeyCeremonySteps.KeygenAsync(folder, 1, "G1", Secret(temp, 1));
        await KeyCeremonySteps.KeygenAsync(folder, 2, "G2", Secret(temp, 2));
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => KeyCeremonySteps.ShareAsync(folder, 1, Secret(temp, 2)));
        Assert.Equal(temp.File("guardian-2.secret.json"), ex.File);
        Assert.Equal("$.i", ex.Location);
    }

    [Fact]
    public async Task A_tampered_share_leads_to_a_published_complaint()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await NewFolder(temp, 2, 1);
        await KeyCeremonySteps.KeygenAsync(folder, 1, "G1", Secret(temp, 1));
        await KeyCeremonySteps.KeygenAsync(folder, 2, "G2", Secret(temp, 2));
        await KeyCeremonySteps.ShareAsync(folder, 1, Secret(temp, 1));
        await KeyCeremonySteps.ShareAsync(folder, 2, Secret(temp, 2));
        string share = folder.PathOf("shares/share-1-to-2.json");
        string text = File.ReadAllText(share);
        int at = text.IndexOf("\"c1\":\"", StringComparison.Ordinal) + 6;
        File.WriteAllText(share, text[..at] + (text[at] == 'A' ? 'B' : 'A') + text[(at + 1)..]);
        IReadOnlyList<(int From, string Reason)> complaints = await KeyCeremonySteps.ReceiveAsync(folder, 2, Secret(temp, 2));
        Assert.Equal(1, Assert.Single(complaints).From);
        Assert.True(File.Exists(folder.PathOf("approvals/guardian-2.json")));
        Assert.Contains("complain", File.ReadAllText(folder.PathOf("approvals/guardian-2.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_twice_for_the_same_guardian_is_refused()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await NewFolder(temp, 2, 1);
        await KeyCeremonySteps.KeygenAsync(folder, 1, "G1", Secret(temp, 1));
        await Assert.ThrowsAsync<ElectionFormatException>(() => KeyCeremonySteps.KeygenAsync(folder, 1, "G1", new GuardianSecretAccess(temp.File("other.json"), null, true)));
        ElectionFormatException zero = await Assert.ThrowsAsync<ElectionFormatException>(() => KeyCeremonySteps.KeygenAsync(folder, 0, "G0", Secret(temp, 0)));
        Assert.Contains("out of range", zero.Problem, StringComparison.Ordinal);
    }
}
