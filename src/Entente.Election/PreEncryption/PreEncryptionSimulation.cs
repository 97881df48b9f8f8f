using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The pre-encrypted part of <c>entente election simulate --pre-encrypted N</c>: N ballots printed by one encrypting tool
/// ("printer-1", Ω = hex4), of which <see cref="UncastCount"/> are left uncast and opened and the rest marked at random
/// (per contest up to min(L, m) options, each at most once) and recorded as cast.
/// </summary>
public static class PreEncryptionSimulation
{
    /// <summary>The name of the simulation's encrypting tool.</summary>
    public const string Device = "printer-1";

    /// <summary>
    /// Of N pre-encrypted ballots in an election of B device ballots with C challenged, how many are uncast: none when C
    /// is 0; otherwise round(N·C/B) clamped to 1..N, so that a challenge rate gives uncast ballots (V18, V19) to check.
    /// </summary>
    public static int UncastCount(int preEncrypted, int ballots, int challenged) =>
        preEncrypted == 0 || challenged == 0 ? 0 : Math.Clamp((int)Math.Round(preEncrypted * (double)challenged / Math.Max(ballots, 1), MidpointRounding.AwayFromZero), 1, preEncrypted);

    /// <summary>Generates, marks and records (or opens) <paramref name="count"/> pre-encrypted ballots; the first <paramref name="uncast"/> stay uncast.</summary>
    public static (List<EncryptedBallot> Cast, List<UncastBallot> Uncast) Run(ElectionContext context, int count, int uncast, Random random, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(random);
        ElectionManifest manifest = context.Parameters.Manifest;
        PreEncryptor tool = new(context, Device, "entente simulation ballot printer 1", ShortCodeFormat.Parse("hex4"));
        PreEncryptionRecorder recorder = new(context);
        int[] styles = [.. Enumerable.Range(0, count).Select(_ => 1 + random.Next(manifest.BallotStyles.Count))];
        int[][] picks = [.. Enumerable.Range(0, count).Select(_ => new int[manifest.Contests.Count].Select(_ => random.Next(1 << 30)).ToArray())];
        EncryptedBallot?[] cast = new EncryptedBallot?[count];
        UncastBallot?[] opened = new UncastBallot?[count];
        Parallel.For(0, count, b =>
        {
            using GeneratedBallot generated = tool.Generate(styles[b]);
            if (b < uncast)
            {
                opened[b] = recorder.OpenUncast(generated.Ballot, generated.Nonce);
                return;
            }

            Dictionary<int, IReadOnlyList<string>> marks = [];
            Random local = new(picks[b][0]);
            foreach (PreEncryptedContest contest in generated.Ballot.Contests)
            {
                Contest definition = manifest.Contests[contest.ContestIndex - 1];
                int m = definition.Options.Count;
                int chosen = local.Next(Math.Min(definition.SelectionLimit, m) + 1);
                marks[contest.ContestIndex] = [.. contest.Selections.Take(m).OrderBy(_ => local.Next()).Take(chosen).Select(s => s.ShortCode)];
            }

            cast[b] = recorder.RecordCast(generated.Ballot, generated.Nonce, marks, timestamp);
        });
        return ([.. cast.OfType<EncryptedBallot>()], [.. opened.OfType<UncastBallot>()]);
    }
}
