namespace Entente.Transparency.Witness;

/// <summary>The latest checkpoint a witness cosigned for one log.</summary>
/// <param name="Origin">The log's origin.</param>
/// <param name="Size">Tree size.</param>
/// <param name="Root">Root hash.</param>
/// <param name="Note">The checkpoint note as received, with the witness's cosignature appended.</param>
public sealed record WitnessState(string Origin, long Size, Hash256 Root, byte[] Note);

/// <summary>
/// A witness's durable memory: per log origin, the latest cosigned checkpoint.
/// <para><b>Atomicity and concurrency.</b> <see cref="CompareAndSwapAsync"/> replaces the state only if the
/// stored size is still <c>expectedSize</c> (null: no state yet), in one transaction, so two concurrent
/// requests cannot both advance from the same state (the rollback race of tlog-witness).
/// <b>Durability.</b> When it returns true the new state survives a crash.</para>
/// </summary>
public interface IWitnessStore
{
    /// <summary>Creates the schema if missing.</summary>
    Task CreateSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>The state for <paramref name="origin"/>, or null.</summary>
    Task<WitnessState?> GetAsync(string origin, CancellationToken cancellationToken = default);

    /// <summary>Replaces the state if the stored size equals <paramref name="expectedSize"/> (the new state is <paramref name="updated"/>); false otherwise.</summary>
    Task<bool> CompareAndSwapAsync(long? expectedSize, WitnessState updated, CancellationToken cancellationToken = default);
}
