using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Entente.Cluster;

/// <summary>
/// TLS between the silos and clients of one cluster, mutual and pinned: every silo and every client (the coordinator of
/// <c>entente verify --cluster</c>, a board with <c>entente serve --cluster</c>) holds the cluster's one certificate, and
/// each side of every connection accepts only a peer that presents that same certificate (compared by its SHA-256
/// thumbprint; neither a chain nor a host name is needed). A process without it can neither join nor send work.
/// <c>dev</c> clusters make a throwaway certificate of their own (<see cref="CreateThrowaway"/>).
/// </summary>
public static class ClusterTls
{
    /// <summary>The environment variable holding the certificate file's password, when it has one.</summary>
    public const string PasswordVariable = "ENTENTE_CLUSTER_CERTIFICATE_PASSWORD";

    /// <summary>
    /// Reads the cluster certificate, a PKCS#12 (.pfx) file with its private key; the password, if any, comes from
    /// <see cref="PasswordVariable"/>.
    /// </summary>
    /// <exception cref="CryptographicException">Not a PKCS#12 file, a wrong password, or no private key; the message says which.</exception>
    public static X509Certificate2 Load(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(file, Environment.GetEnvironmentVariable(PasswordVariable), X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException($"{file} holds no private key; the cluster certificate must be a PKCS#12 file with its key.");
        }

        return certificate;
    }

    /// <summary>
    /// A new self-signed certificate (ECDSA P-256, one week) written to <paramref name="file"/> as PKCS#12 without a
    /// password, readable by its owner only: what <c>--cluster dev</c> gives the silos it starts.
    /// </summary>
    public static X509Certificate2 CreateThrowaway(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest request = new("CN=entente dev cluster", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using X509Certificate2 made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        byte[] pkcs12 = made.Export(X509ContentType.Pkcs12);
        using (FileStream stream = new(file, FileMode.CreateNew, FileAccess.Write))
        {
            // Owner-only before the key is written.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(pkcs12);
        }

        return X509CertificateLoader.LoadPkcs12(pkcs12, null, X509KeyStorageFlags.EphemeralKeySet);
    }

    /// <summary>Mutual TLS with <paramref name="certificate"/>, accepting only a peer that presents the same certificate.</summary>
    internal static void Configure(TlsOptions options, X509Certificate2 certificate)
    {
        string pinned = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // The pin replaces the platform's chain and name checks: the certificate is self-signed and shared by every peer.
        options.RemoteCertificateValidation = (remote, _, _) => remote is not null
            && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(remote.GetCertHashString(HashAlgorithmName.SHA256)), Convert.FromHexString(pinned));
        options.OnAuthenticateAsClient = (_, client) => client.TargetHost = "entente-cluster";
    }
}
