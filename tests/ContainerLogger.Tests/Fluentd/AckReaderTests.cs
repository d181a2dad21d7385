using System.Text;
using ContainerLogger.Drivers.Fluentd;

namespace ContainerLogger.Tests.Fluentd;

/// <summary>
/// fluentd's answer comes from the network: whatever it holds, <see cref="AckReader"/> says "an ack", "not all
/// here yet" or "garbage" (an <see cref="IOException"/>, which the driver turns into a reconnect and a resend),
/// and nothing else escapes.
/// </summary>
public class AckReaderTests
{
    private const string Incomplete = "incomplete";

    /// <summary>"ack:VALUE", <see cref="Incomplete"/> or "garbage: MESSAGE"; any other exception fails the test.</summary>
    private static string Outcome(byte[] answer, int length)
    {
        try
        {
            return AckReader.TryRead(answer.AsMemory(0, length), out var ack) ? $"ack:{Text(answer, ack)}" : Incomplete;
        }
        catch (Exception e)
        {
            Assert.That(e.GetType(), Is.EqualTo(typeof(IOException)), $"{Convert.ToHexString(answer, 0, length)}: {e}");
            Assert.That(e.Message, Does.StartWith("fluentd answered something that is not an ack: "));
            return "garbage: " + e.Message;
        }
    }

    private static string Outcome(byte[] answer) => Outcome(answer, answer.Length);

    /// <summary>The ack's bytes as text; null when the answer has none.</summary>
    private static string? Text(byte[] answer, Range? ack) => ack is { } range ? Encoding.UTF8.GetString(answer[range]) : null;

    [Test]
    public void ReadsTheAckOfACompleteMapAndWaitsForMore()
    {
        byte[] answer = [0x82, 0xa3, .. "ack"u8, 0xa4, .. "abcd"u8, 0xa4, .. "note"u8, 0xcd, 0x01, 0x00];
        for (int cut = 0; cut < answer.Length; cut++)
            Assert.That(AckReader.TryRead(answer.AsMemory(0, cut), out _), Is.False, $"{cut} bytes are not a whole answer");
        Assert.That(AckReader.TryRead(answer, out var ack), Is.True);
        Assert.That(Text(answer, ack), Is.EqualTo("abcd"));
    }

    [Test]
    public void AcceptsABinAckAndReportsAMissingOne()
    {
        byte[] bin = [0x81, 0xa3, .. "ack"u8, 0xc4, 0x02, .. "id"u8];
        Assert.That(AckReader.TryRead(bin, out var ack), Is.True);
        Assert.That(Text(bin, ack), Is.EqualTo("id"));
        Assert.That(AckReader.TryRead((byte[])[0x80], out var none), Is.True);
        Assert.That(none, Is.Null);
    }

    [TestCase(new byte[] { 0xc1 })]
    [TestCase(new byte[] { 0x92, 0x01, 0x02 })]
    [TestCase(new byte[] { 0x81, 0x01, 0x02 })]
    [TestCase(new byte[] { 0x81, 0xa1, 0x61, 0x90 })]
    public void GarbageIsAFailure(byte[] answer) =>
        Assert.Throws<IOException>(() => AckReader.TryRead(answer, out _));

    private static readonly string Chunk = Convert.ToBase64String(new byte[16]);

    /// <summary>Valid answers in the forms other msgpack libraries may choose, each with its ack.</summary>
    private static IEnumerable<TestCaseData> ValidAnswers()
    {
        var chunk = Encoding.ASCII.GetBytes(Chunk);
        yield return new TestCaseData((byte[])[0x81, 0xa3, .. "ack"u8, 0xb8, .. chunk], Chunk).SetName("fixmap, fixstr");
        yield return new TestCaseData((byte[])[0x81, 0xa3, .. "ack"u8, 0xd9, 24, .. chunk], Chunk).SetName("str8");
        yield return new TestCaseData((byte[])[0x81, 0xda, 0, 3, .. "ack"u8, 0xdb, 0, 0, 0, 24, .. chunk], Chunk).SetName("str16 key, str32 value");
        yield return new TestCaseData((byte[])[0xde, 0, 1, 0xc4, 3, .. "ack"u8, 0xc6, 0, 0, 0, 24, .. chunk], Chunk).SetName("map16, bin8 key, bin32 value");
        yield return new TestCaseData((byte[])[0xdf, 0, 0, 0, 6,
            0xa1, (byte)'n', 0xc0, 0xa1, (byte)'t', 0xc3, 0xa1, (byte)'f', 0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18,
            0xa1, (byte)'i', 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xa1, (byte)'s', 0xa2, (byte)'o', (byte)'k',
            0xa3, .. "ack"u8, 0xb8, .. chunk], Chunk).SetName("map32 with nil, bool, float, int64 and str beside the ack");
    }

    [TestCaseSource(nameof(ValidAnswers))]
    public void EveryTruncationOfAValidAckWaitsForMore(byte[] answer, string ack)
    {
        for (int cut = 0; cut < answer.Length; cut++) Assert.That(Outcome(answer, cut), Is.EqualTo(Incomplete), $"cut at {cut}");
        Assert.That(Outcome(answer), Is.EqualTo($"ack:{ack}"));
        Assert.That(Outcome([.. answer, 0xc1, 0xff]), Is.EqualTo($"ack:{ack}"), "what follows the map is not the ack's business");
    }

    [Test]
    public void NestedMapsArraysAndExtsAreGarbageAtAnyDepthWithoutRecursing()
    {
        Assert.That(Outcome([0x81, 0xa3, .. "ack"u8, 0x81, 0xa1, (byte)'x', 0x01]), Does.Contain("0x81 (fixmap) where a string belongs"));
        Assert.That(Outcome([0x82, 0xa1, (byte)'x', 0x91, 0x01, 0xa3, .. "ack"u8, 0xa1, (byte)'y']), Does.Contain("0x91 (fixarray)"));
        Assert.That(Outcome([0x81, 0xa1, (byte)'x', 0xd7, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]), Does.Contain("0xd7 (fixext 8)"));
        Assert.That(Outcome([0x81, 0x81, 0xa1, (byte)'x', 0x01]), Does.Contain("where a string belongs"), "a map as a key");
        // A map in a map in a map ..., as deep as the answer's bound allows: refused at the first level.
        var deep = new List<byte>();
        while (deep.Count + 3 <= AckReader.MaxResponse) deep.AddRange([0x81, 0xa1, (byte)'x']);
        Assert.That(Outcome([.. deep]), Does.Contain("0x81 (fixmap) where a string, number, boolean or nil belongs"));
    }

    [TestCase(new byte[] { 0xdf, 0xff, 0xff, 0xff, 0xff }, "a map declaring 4294967295 pairs")]
    [TestCase(new byte[] { 0xdf, 0x7f, 0xff, 0xff, 0xff }, "a map declaring 2147483647 pairs")]
    [TestCase(new byte[] { 0xde, 0xff, 0xff }, "a map declaring 65535 pairs")]
    [TestCase(new byte[] { 0xde, 0x08, 0x01 }, "a map declaring 2049 pairs")]
    [TestCase(new byte[] { 0x81, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61 }, "a str or bin declaring 2 GiB or more")]
    [TestCase(new byte[] { 0x81, 0xa3, 0x61, 0x63, 0x6b, 0xc6, 0x80, 0x00, 0x00, 0x00, 0x61 }, "a str or bin declaring 2 GiB or more")]
    [TestCase(new byte[] { 0x81, 0xa1, 0x78, 0xdb, 0xff, 0xff, 0xff, 0xfe }, "a str or bin declaring 2 GiB or more")]
    [TestCase(new byte[] { 0x81, 0xa1, 0x78, 0xc9, 0x7f, 0xff, 0xff, 0xff, 0x00 }, "0xc9 (ext 32)")]
    public void DeclaredSizesNoAnswerCanHaveAreGarbage(byte[] answer, string expected) =>
        Assert.That(Outcome(answer), Does.StartWith("garbage").And.Contain(expected));

    [TestCase(new byte[] { 0xde, 0x08, 0x00 })]
    [TestCase(new byte[] { 0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61 })]
    [TestCase(new byte[] { 0x81, 0xa3, 0x61, 0x63, 0x6b, 0xc6, 0x7f, 0xff, 0xff, 0xff })]
    [TestCase(new byte[] { 0x81, 0xa1, 0x78, 0xda, 0xff, 0xff })]
    public void ALengthThatMayStillArriveWaitsWithinTheDriversBounds(byte[] answer) =>
        // The driver stops waiting at MaxResponse bytes or fluentd-read-timeout (FluentdWireTests).
        Assert.That(Outcome(answer), Is.EqualTo(Incomplete));

    /// <summary>Pieces of msgpack an answer might be made of, hostile ones included.</summary>
    private static readonly byte[][] Tokens =
    [
        [0xa3, .. "ack"u8], [0xa2, (byte)'i', (byte)'d'], [0xd9, 3, .. "ack"u8], [0xc4, 2, (byte)'i', (byte)'d'], [0xa0],
        [0x80], [0x81], [0x82], [0x8f], [0xde, 0x00, 0x02], [0xde, 0xff, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdf, 0, 0, 0, 1],
        [0x91], [0xdc, 0xff, 0xff], [0xdd, 0x80, 0, 0, 0], [0xc0], [0xc2], [0xc3], [0x05], [0xff], [0xcc, 0x80], [0xd3, 1, 2, 3, 4, 5, 6, 7, 8],
        [0xca, 0, 0, 0, 0], [0xcb, 0, 0, 0, 0, 0, 0, 0, 0], [0xd7, 0, 1, 2, 3, 4, 5, 6, 7, 8], [0xc7, 0xff, 0x00], [0xc1],
        [0xdb, 0xff, 0xff, 0xff, 0xff], [0xdb, 0x7f, 0xff, 0xff, 0xff], [0xdb, 0x80, 0, 0, 0], [0xc6, 0xff, 0xff, 0xff, 0xff],
        [0xc5, 0xff, 0xff], [0xda, 0, 1], [0xd9],
    ];

    /// <summary>
    /// Random answers, of random bytes and of the tokens above, read at every length: each prefix is incomplete
    /// until one decides (an ack or garbage), and every longer one then decides the same.
    /// </summary>
    [Test]
    public void RandomAnswersAreDecidedOnceAndNeverEscapeAsAnythingElse()
    {
        var random = new Random(20261122);
        var decided = new Dictionary<string, int>();
        for (int round = 0; round < 3000; round++)
        {
            var answer = new List<byte>();
            int pieces = random.Next(1, 12);
            for (int i = 0; i < pieces; i++)
            {
                if (random.Next(4) == 0) answer.Add((byte)random.Next(256));
                else answer.AddRange(Tokens[random.Next(Tokens.Length)]);
            }
            if (random.Next(3) == 0) answer.Insert(0, (byte)(0x80 | random.Next(16)));
            var bytes = answer.ToArray();
            string? first = null;
            for (int cut = 0; cut <= bytes.Length; cut++)
            {
                string outcome = Outcome(bytes, cut);
                if (first is null && outcome != Incomplete) first = outcome;
                else if (first is not null) Assert.That(outcome, Is.EqualTo(first), $"{Convert.ToHexString(bytes)} at {cut}");
            }
            string kind = first is null ? Incomplete : first.StartsWith("ack:") ? "ack" : "garbage";
            decided[kind] = decided.GetValueOrDefault(kind) + 1;
        }
        Assert.That(decided.Keys, Is.EquivalentTo(new[] { "ack", "garbage", Incomplete }), "the inputs reach every outcome");
    }

    [Test]
    public void RandomBytesUpToTheBoundNeverEscapeAsAnythingButGarbage()
    {
        var random = new Random(4096);
        var answer = new byte[AckReader.MaxResponse];
        for (int round = 0; round < 20_000; round++)
        {
            random.NextBytes(answer);
            Outcome(answer, random.Next(answer.Length + 1));
        }
    }
}
