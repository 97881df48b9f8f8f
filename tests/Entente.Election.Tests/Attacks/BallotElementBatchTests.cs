using System.Numerics;
using System.Text;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;

namespace Entente.Election.Tests.Attacks;

/// <summary>
/// Reading a ballot checks its group elements together (<see cref="SubgroupBatch"/>); a value that is not in Z_p^r must
/// still be refused and named by its path, whichever way it fails to be a member and wherever it sits in the ballot.
/// </summary>
[Trait("Category", "Slow")]
public class BallotElementBatchTests
{
    private static readonly Lazy<ElectionRecord> Record = new(() =>
        ElectionSimulator.Run(Properties.EndToEndTinyGroupTests.Manifest(Properties.EndToEndTinyGroupTests.TwoContests), Group.Standard, 1, 1, ballots: 1, challenged: 0, new Random(7), [1]));

    public static TheoryData<string> NonMembers => ["minus", "cofactor", "zero"];

    [Theory]
    [MemberData(nameof(NonMembers))]
    public void A_standard_group_ballot_with_a_non_member_among_members_is_refused_naming_that_value(string kind)
    {
        ElectionRecord record = Record.Value;
        byte[] bytes = RecordFormat.WriteBallot(record.Ballots[0]);
        Assert.Equal(record.Ballots[0].Id, RecordFormat.ReadBallot("ballot.json", bytes, record.Context).Id);

        string text = Encoding.UTF8.GetString(bytes);
        string beta = "\"beta\":\"";
        int first = text.IndexOf(beta, StringComparison.Ordinal);
        int at = text.IndexOf(beta, first + 1, StringComparison.Ordinal) + beta.Length;
        Group group = Group.Standard;
        BigInteger member = BigInteger.Parse("0" + text[at..(at + 2 * group.PByteLength)], System.Globalization.NumberStyles.HexNumber);
        BigInteger bad = kind switch
        {
            "minus" => group.P - member, // −x: an order-2 component, Legendre symbol −1
            "cofactor" => member * BigInteger.ModPow(new BigInteger(3), group.Q * 2, group.P) % group.P, // a component of order r′ (3^(2q) has order dividing r′, and is not 1)
            _ => BigInteger.Zero,
        };
        byte[] encoded = bad.ToByteArray(isUnsigned: true, isBigEndian: true);
        string hex = Convert.ToHexString([.. new byte[group.PByteLength - encoded.Length], .. encoded]);
        string tampered = text[..at] + hex + text[(at + hex.Length)..];

        ElectionFormatException e = Assert.Throws<ElectionFormatException>(() => RecordFormat.ReadBallot("ballot.json", Encoding.UTF8.GetBytes(tampered), record.Context));
        Assert.Equal("$.contests[0].selections[1].beta", e.Location);
        Assert.Contains("order-q subgroup", e.Problem, StringComparison.Ordinal);
    }
}
