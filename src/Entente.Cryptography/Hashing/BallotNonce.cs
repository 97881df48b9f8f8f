using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// The secret 256-bit ballot nonce ξ_B of §3.3.3, from which every selection nonce of a ballot is
/// derived (eq 33). Never shown by <see cref="ToString"/>; <see cref="Dispose"/> wipes it.
/// </summary>
public sealed class BallotNonce : IDisposable
{
    /// <summary>Bytes of a ballot nonce.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;
    private bool _disposed;

    private BallotNonce(byte[] bytes) => _bytes = bytes;

    /// <summary>A fresh uniformly random ballot nonce from <see cref="RandomNumberGenerator"/>.</summary>
    public static BallotNonce Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Copies exactly 32 bytes (for example a decrypted or stored nonce).</summary>
    /// <exception cref="FormatException">Not 32 bytes.</exception>
    public static BallotNonce FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length
            ? new BallotNonce(bytes.ToArray())
            : throw new FormatException($"ballot nonce: expected {Length} bytes, got {bytes.Length}.");

    /// <summary>Copies the secret bytes into <paramref name="destination"/> (exactly 32 bytes).</summary>
    public void CopyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length != Length)
        {
            throw new ArgumentException("The destination must be exactly 32 bytes.", nameof(destination));
        }

        _bytes.CopyTo(destination);
    }

    /// <summary>Constant-time comparison with another nonce.</summary>
    public bool SecretEquals(BallotNonce other)
    {
        ArgumentNullException.ThrowIfNull(other);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);
    }

    /// <summary>Never shows the value.</summary>
    public override string ToString() => "BallotNonce(secret)";

    /// <summary>Wipes the bytes.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_bytes);
        _disposed = true;
    }

    internal void AppendTo(HashInput input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        input.AppendBytes(_bytes);
    }

    internal ReadOnlySpan<byte> Secret
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }
}
