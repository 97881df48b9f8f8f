using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Parameters;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Attacks;

public class GuardianSecretFileTests
{
    private static readonly ElectionParameters Parameters =
        ElectionParameters.Create(Group.Tiny, EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests), 3, 2);

    [Fact]
    public void A_sealed_secret_file_round_trips_with_the_right_passphrase_and_hides_the_secrets()
    {
        using TestFiles.TempFolder folder = new();
        (GuardianSecrets secrets, GuardianPublicKey key) = KeyCeremonyGuardian.Generate(Parameters, 2, "two");
        string path = folder.File("guardian-2.secret.json");
        GuardianSecretFile.Write(path, secrets, Parameters.ElectionBaseHash, "correct horse");
        string text = File.ReadAllText(path);
        // The secret is not in the file as a value: on the tiny group a coefficient is a few hex digits, which the sealed
        // hex ciphertext contains by chance now and then, so the test looks for it as a JSON string, and for no "secret".
        Assert.DoesNotContain($"\"{secrets.VoteCoefficients[0].ToHex()}\"", text, StringComparison.Ordinal);
        Assert.False(System.Text.Json.JsonDocument.Parse(text).RootElement.TryGetProperty("secret", out _));
        string plain = folder.File("plain.secret.json");
        GuardianSecretFile.Write(plain, secrets, Parameters.ElectionBaseHash, passphrase: null);
        Assert.Contains($"\"{secrets.VoteCoefficients[0].ToHex()}\"", File.ReadAllText(plain), StringComparison.Ordinal); // what the check above would see
        Assert.Contains("argon2id-xchacha20poly1305", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using GuardianSecrets read = GuardianSecretFile.Read(path, Group.Tiny, 2, 2, Parameters.ElectionBaseHash, "correct horse", allowPlaintext: false);
        Assert.Equal(secrets.VoteCoefficients, read.VoteCoefficients);
        Assert.Equal(secrets.DataCoefficients, read.DataCoefficients);
        Assert.Equal(key.CommunicationKey, read.CommunicationKey.PublicKey.Key);
        secrets.Dispose();
    }

    [Fact]
    public void A_wrong_passphrase_another_guardian_another_election_and_an_edited_file_are_refused()
    {
        using TestFiles.TempFolder folder = new();
        (GuardianSecrets secrets, _) = KeyCeremonyGuardian.Generate(Parameters, 2, "two");
        string path = folder.File("s.json");
        GuardianSecretFile.Write(path, secrets, Parameters.ElectionBaseHash, "pw");
        secrets.Dispose();
        ElectionFormatException wrong = Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 2, Parameters.ElectionBaseHash, "nope", false));
        Assert.Equal("$.ciphertext", wrong.Location);
        ElectionFormatException other = Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 3, Parameters.ElectionBaseHash, "pw", false));
        Assert.Equal("$.i", other.Location);
        Assert.Contains("guardian 2, not of guardian 3", other.Problem, StringComparison.Ordinal);
        ElectionFormatException election = Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 2, Parameters.ParameterBaseHash, "pw", false));
        Assert.Equal("$.binding", election.Location);
        Assert.Equal(path, election.File);

        string text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("\"stage\":\"keys\"", "\"stage\":\"shares\"", StringComparison.Ordinal));
        ElectionFormatException edited = Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 2, Parameters.ElectionBaseHash, "pw", false));
        Assert.Equal("$.ciphertext", edited.Location);
        File.WriteAllText(path, text[..(text.Length - 40)]);
        Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 2, Parameters.ElectionBaseHash, "pw", false));
    }

    [Fact]
    public void A_plaintext_secret_file_is_refused_unless_explicitly_allowed()
    {
        using TestFiles.TempFolder folder = new();
        (GuardianSecrets secrets, _) = KeyCeremonyGuardian.Generate(Parameters, 1, "one");
        string path = folder.File("s.json");
        GuardianSecretFile.Write(path, secrets, Parameters.ElectionBaseHash, passphrase: null);
        ElectionFormatException ex = Assert.Throws<ElectionFormatException>(() => GuardianSecretFile.Read(path, Group.Tiny, 2, 1, Parameters.ElectionBaseHash, null, allowPlaintext: false));
        Assert.Contains("--insecure-plaintext-secrets", ex.Problem, StringComparison.Ordinal);
        using GuardianSecrets read = GuardianSecretFile.Read(path, Group.Tiny, 2, 1, Parameters.ElectionBaseHash, null, allowPlaintext: true);
        Assert.Equal(secrets.VoteCoefficients, read.VoteCoefficients);
        secrets.Dispose();
    }
}
