using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Record;

namespace Entente.Election.Encryption;

/// <summary>
/// A ballot the device has sealed and whose confirmation code H_C it has shown the voter, before the voter's choice
/// (spec 2.1 §3.4, §3.6.7: the challenge is meaningful because the device commits to the encryption before it learns
/// whether the ballot will be cast or opened). The voter then casts it or challenges it, once: a ballot is never both.
/// H_C does not cover the state, so the decided ballot carries the code that was shown.
/// </summary>
public sealed class SealedBallot
{
    private readonly EncryptedBallot _sealed;
    private int _decided;

    internal SealedBallot(EncryptedBallot sealedBallot) => _sealed = sealedBallot;

    /// <summary>id_B.</summary>
    public Hash256 Id => _sealed.Id;

    /// <summary>The confirmation code shown to the voter.</summary>
    public Hash256 ConfirmationCode => _sealed.ConfirmationCode;

    /// <summary>The device that sealed it.</summary>
    public string Device => _sealed.Device;

    /// <summary>What the device publishes before the voter's choice: id_B, the device and H_C.</summary>
    public BallotSeal Seal => new(_sealed.Id, _sealed.Device, _sealed.ConfirmationCode);

    /// <summary>The voter casts the ballot: it is counted and never opened.</summary>
    /// <exception cref="InvalidOperationException">The voter already decided.</exception>
    public EncryptedBallot Cast() => Decide(BallotState.Cast);

    /// <summary>The voter challenges the ballot: it is not counted and is opened for the voter and in the record.</summary>
    /// <exception cref="InvalidOperationException">The voter already decided.</exception>
    public EncryptedBallot Challenge() => Decide(BallotState.Challenged);

    /// <summary>The voter's choice.</summary>
    /// <exception cref="InvalidOperationException">The voter already decided.</exception>
    public EncryptedBallot Decide(BallotState state)
    {
        if (Interlocked.Exchange(ref _decided, 1) != 0)
        {
            throw new InvalidOperationException($"ballot {Id} was already decided: a ballot is cast or challenged, never both");
        }

        return _sealed.WithState(state);
    }
}

/// <summary>
/// The public notice of a sealed ballot (docs/http-api.md, <c>/board/sealed</c>): the device posts it before the voter
/// chooses, so the log shows the code was fixed before the choice; the cast or challenged ballot posted afterwards must
/// carry the same H_C.
/// </summary>
public sealed record BallotSeal(Hash256 Id, string Device, Hash256 ConfirmationCode)
{
    /// <summary>The notice as canonical JSON: <c>{"id","device","confirmation_code"}</c>.</summary>
    public byte[] ToJson()
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.PropertyHex("id", Id.Bytes);
        w.Property("device", Device);
        w.PropertyHex("confirmation_code", ConfirmationCode.Bytes);
        w.EndObject();
        return w.ToArray();
    }

    /// <summary>Reads a notice strictly (canonical form, a valid device name).</summary>
    /// <exception cref="ElectionFormatException">The notice is malformed (named).</exception>
    public static BallotSeal Read(string file, byte[] bytes)
    {
        using JsonDocument document = JsonReading.Parse(file, bytes);
        JsonReading r = new(file, null);
        JsonElement o = r.Object(document.RootElement, "$", "id", "device", "confirmation_code");
        string device = r.String(o, "$", "device");
        if (!EncryptionDevice.IsValidName(device))
        {
            throw r.Error("$.device", $"\"{device}\" is not a device name (A–Z a–z 0–9 . _ -)");
        }

        BallotSeal seal = new(r.Hash(o, "$", "id"), device, r.Hash(o, "$", "confirmation_code"));
        return RecordFormat.CheckCanonical(file, bytes, seal, s => s.ToJson());
    }
}
