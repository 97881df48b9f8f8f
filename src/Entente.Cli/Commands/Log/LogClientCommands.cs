using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Tiles;

namespace Entente.Cli.Commands.Log;

/// <summary><c>entente log append | get | proof | verify</c>: talk to a log server over HTTP.</summary>
internal static class LogClientCommands
{
    private static Option<string> UrlOption() => new("--url") { Description = "The log server, e.g. http://127.0.0.1:8080/", Required = true };

    private static HttpClient Client(string url) => new() { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/"), Timeout = TimeSpan.FromSeconds(30) };

    public static Command Append()
    {
        Option<string> url = UrlOption();
        Option<string> partyKey = new("--party-key") { Description = "The submitting party's private key file.", Required = true };
        Option<string> type = new("--type") { Description = "Artifact type, e.g. ballot.cast.", Required = true };
        Option<string> file = new("--file") { Description = "The artifact; uploaded as a blob, the entry commits to its SHA-256.", Required = true };
        Option<string> ballot = new("--ballot") { Description = "Ballot id lookup field." };
        Option<string> code = new("--code") { Description = "Confirmation code lookup field." };
        Command command = new("append", "Upload an artifact and append its signed commitment to the log.");
        foreach (Option o in new Option[] { url, partyKey, type, file, ballot, code })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) => Guard(parse.GetValue(url)!, async () =>
        {
            using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(parse.GetValue(partyKey)!, ct)).Trim());
            byte[] artifact = await File.ReadAllBytesAsync(parse.GetValue(file)!, ct);
            // Writes are signed requests (RFC 9421) by the same key that signs the entry.
            string baseUrl = parse.GetValue(url)!;
            using HttpClient http = new(new Entente.Client.Http.HttpSignatureHandler(key)) { BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
            using HttpResponseMessage blob = await http.PostAsync("blob", new ByteArrayContent(artifact), ct);
            if (!blob.IsSuccessStatusCode)
            {
                return Fail($"blob upload failed: {(int)blob.StatusCode} {await blob.Content.ReadAsStringAsync(ct)}");
            }

            LogEntry entry = new(parse.GetValue(type)!, Hash256.Compute(artifact), key.Name, parse.GetValue(ballot), parse.GetValue(code));
            using HttpResponseMessage added = await http.PostAsync("add", new ByteArrayContent(entry.Sign(key)), ct);
            string body = await added.Content.ReadAsStringAsync(ct);
            if (!added.IsSuccessStatusCode)
            {
                return Fail($"the log refused the entry: {(int)added.StatusCode} {body}");
            }

            using JsonDocument doc = JsonDocument.Parse(body);
            Console.Out.WriteLine($"index {doc.RootElement.GetProperty("index").GetInt64()}{(doc.RootElement.GetProperty("duplicate").GetBoolean() ? " (already logged)" : "")}");
            Console.Out.WriteLine($"sha256 {entry.Sha256}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Get()
    {
        Option<string> url = UrlOption();
        Argument<long> index = new("INDEX") { Description = "Entry index." };
        Command command = new("get", "Print an entry, checked against the tile hashes of the current checkpoint.");
        command.Options.Add(url);
        command.Arguments.Add(index);
        command.SetAction((parse, ct) => Guard(parse.GetValue(url)!, async () =>
        {
            using HttpClient http = Client(parse.GetValue(url)!);
            SignedCheckpoint cp = SignedCheckpoint.Parse(await http.GetByteArrayAsync("checkpoint", ct));
            long i = parse.GetValue(index);
            if (i < 0 || i >= cp.Checkpoint.Size)
            {
                return Fail($"entry {i} is not in the log (size {cp.Checkpoint.Size}).", ExitCodes.UsageOrInput);
            }

            byte[] entry = await FetchEntryAsync(http, i, cp.Checkpoint.Size, ct);
            Console.Out.Write(Encoding.UTF8.GetString(entry));
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Proof()
    {
        Option<string> url = UrlOption();
        Argument<long> index = new("INDEX") { Description = "Entry index." };
        Option<string> output = new("--out") { Description = "Write the .tlog-proof here instead of standard output." };
        Command command = new("proof", "Fetch a tlog-proof receipt (inclusion proof + cosigned checkpoint) for an entry.");
        command.Options.Add(url);
        command.Options.Add(output);
        command.Arguments.Add(index);
        command.SetAction((parse, ct) => Guard(parse.GetValue(url)!, async () =>
        {
            using HttpClient http = Client(parse.GetValue(url)!);
            using HttpResponseMessage response = await http.GetAsync($"receipt/{parse.GetValue(index)}", ct);
            string text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                return Fail($"no receipt: {(int)response.StatusCode} {text}");
            }

            TlogProof.Parse(text);
            if (parse.GetValue(output) is string path)
            {
                await File.WriteAllTextAsync(path, text, ct);
            }
            else
            {
                Console.Out.Write(text);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Verify()
    {
        Option<string> url = UrlOption();
        Option<string> key = new("--key") { Description = "The log's verifier key.", Required = true };
        Option<string> policy = new("--policy") { Description = "A tlog-policy file (witnesses and quorum)." };
        Option<string> state = new("--state") { Description = "Where the last verified checkpoint is kept (default ~/.entente/log-state/<origin hash>)." };
        Option<long[]> indexes = new("--index") { Description = "Also verify inclusion of this entry; repeatable." };
        Command command = new("verify", "Follow the log as a client: signature, witness policy, consistency with the last checkpoint seen, inclusion.");
        foreach (Option o in new Option[] { url, key, policy, state, indexes })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) => Guard(parse.GetValue(url)!, async () =>
        {
            INoteVerifier logKey;
            TrustPolicy? trust = null;
            try
            {
                logKey = VerifierKeys.Parse(parse.GetValue(key)!);
                if (parse.GetValue(policy) is string p)
                {
                    trust = TrustPolicy.Parse(await File.ReadAllTextAsync(p, ct));
                }
            }
            catch (Exception e) when (e is NoteFormatException or IOException)
            {
                return Fail(e.Message, ExitCodes.UsageOrInput);
            }

            using HttpClient http = Client(parse.GetValue(url)!);
            byte[] raw = await http.GetByteArrayAsync("checkpoint", ct);
            SignedCheckpoint cp;
            try
            {
                cp = SignedCheckpoint.Open(raw, logKey);
            }
            catch (Exception e) when (e is NoteFormatException or NoteVerificationException)
            {
                return Fail($"checkpoint: {e.Message}");
            }

            Console.Out.WriteLine($"ok checkpoint {cp.Checkpoint.Origin} size {cp.Checkpoint.Size} root {cp.Checkpoint.Root.ToBase64()}");
            if (trust is not null)
            {
                PolicyResult result = trust.Check(cp.Note);
                if (!result.QuorumMet)
                {
                    return Fail($"witness policy not met: cosigned by [{string.Join(", ", result.Cosigned)}], invalid [{string.Join(", ", result.InvalidCosignatures)}]");
                }

                Console.Out.WriteLine($"ok witness policy: cosigned by {string.Join(", ", result.Cosigned)}");
            }

            string stateFile = parse.GetValue(state) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".entente", "log-state",
                Hash256.Compute(Encoding.UTF8.GetBytes(cp.Checkpoint.Origin)).ToHex());
            if (File.Exists(stateFile))
            {
                SignedCheckpoint previous = SignedCheckpoint.Open(await File.ReadAllBytesAsync(stateFile, ct), logKey);
                long old = previous.Checkpoint.Size;
                long now = cp.Checkpoint.Size;
                if (old > now)
                {
                    return Fail($"ROLLBACK: the log shows size {now} but size {old} was seen before.");
                }

                if (old > 0)
                {
                    ProofJson proof = (await http.GetFromJsonAsync<ProofJson>($"proof/consistency?old={old}&size={now}", ct))!;
                    bool consistent = old == now
                        ? previous.Checkpoint.Root == cp.Checkpoint.Root
                        : MerkleMath.VerifyConsistency(old, now, previous.Checkpoint.Root.Span, cp.Checkpoint.Root.Span, proof.Decode());
                    if (!consistent)
                    {
                        return Fail($"FORK: the checkpoint at size {now} is not consistent with the one seen at size {old}.");
                    }
                }

                Console.Out.WriteLine($"ok consistent with the checkpoint seen before (size {old})");
            }

            foreach (long i in parse.GetValue(indexes) ?? [])
            {
                if (i < 0 || i >= cp.Checkpoint.Size)
                {
                    return Fail($"entry {i} is not in the checkpoint (size {cp.Checkpoint.Size}).");
                }

                byte[] entry = await FetchEntryAsync(http, i, cp.Checkpoint.Size, ct);
                ProofJson proof = (await http.GetFromJsonAsync<ProofJson>($"proof/inclusion?index={i}&size={cp.Checkpoint.Size}", ct))!;
                if (!MerkleMath.VerifyInclusion(i, cp.Checkpoint.Size, Rfc6962.LeafHash(entry).Span, proof.Decode(), cp.Checkpoint.Root.Span))
                {
                    return Fail($"entry {i}: the inclusion proof does not verify.");
                }

                Console.Out.WriteLine($"ok entry {i} included");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stateFile))!);
            await File.WriteAllBytesAsync(stateFile, raw, ct);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Fetches entry <paramref name="index"/> from its bundle and checks it against the level-0 tile.</summary>
    private static async Task<byte[]> FetchEntryAsync(HttpClient http, long index, long size, CancellationToken ct)
    {
        TilePath bundlePath = TilePath.EntriesFor(index, size);
        List<byte[]> entries = EntryBundle.Decode(await http.GetByteArrayAsync(bundlePath.ToString(), ct), bundlePath.Width);
        byte[] tile = await http.GetByteArrayAsync(new TilePath(0, bundlePath.Index, bundlePath.Width).ToString(), ct);
        int offset = (int)(index % TilePath.FullWidth);
        byte[] entry = entries[offset];
        if (!Rfc6962.LeafHash(entry).Span.SequenceEqual(tile.AsSpan(offset * Hash256.Size, Hash256.Size)))
        {
            throw new InvalidDataException($"entry {index} does not match its leaf hash in the tile.");
        }

        return entry;
    }

    /// <summary>Turns network and format failures into a clear message and exit code 2.</summary>
    private static async Task<int> Guard(string url, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (HttpRequestException e)
        {
            return Fail($"cannot talk to the log at {url}: {e.Message} (is `entente log serve` running there?)", ExitCodes.UsageOrInput);
        }
        catch (Exception e) when (e is NoteFormatException or InvalidDataException or IOException or FormatException or JsonException or TaskCanceledException)
        {
            return Fail(e.Message, ExitCodes.UsageOrInput);
        }
    }

    private static int Fail(string message, int code = ExitCodes.CheckFailed)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }

    private sealed class ProofJson
    {
        [System.Text.Json.Serialization.JsonPropertyName("proof")]
        public List<string> Proof { get; set; } = [];

        public byte[][] Decode() => Proof.Select(Convert.FromBase64String).ToArray();
    }
}
