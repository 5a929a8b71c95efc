using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;

namespace DistillKit.Torch;

/// <summary>
/// A pickle virtual machine for the binary protocols 2 to 4 (torch.save writes 2). It builds plain values:
/// ints as <c>long</c> (<c>BigInteger</c> past 64 bits), floats as <c>double</c>, <c>string</c>, <c>bool</c>,
/// <c>null</c>, <c>byte[]</c>, dicts as <c>OrderedDictionary&lt;object, object?&gt;</c>, lists as
/// <c>List&lt;object?&gt;</c>, tuples as <c>object?[]</c>, sets as <c>HashSet&lt;object?&gt;</c>. Globals and
/// persistent ids are resolved by the caller, which decides what may be loaded (nothing runs code).
/// Every problem throws <see cref="InvalidDataException"/> naming <c>source</c>.
/// </summary>
internal sealed class Unpickler(
    byte[] data, string source, Func<string, string, object> findGlobal, Func<object?, object?> persistentLoad)
{
    readonly List<object?> _stack = [];
    readonly Stack<int> _marks = new();
    readonly Dictionary<long, object?> _memo = [];
    int _pos;

    /// <summary>Runs the program to its STOP and returns the value it built.</summary>
    public object? Load()
    {
        while (true)
        {
            if (_pos >= data.Length) throw Bad("the pickle ends without a STOP opcode (truncated?)");
            int at = _pos;
            var op = (PickleOpcode)data[_pos++];
            try
            {
                if (op == PickleOpcode.Stop) return Pop();
                Step(op, at);
            }
            catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
            {
                throw Bad($"malformed pickle at byte {at} ({op}): {e.Message}");
            }
        }
    }

    void Step(PickleOpcode op, int at)
    {
        switch (op)
        {
            case PickleOpcode.Proto:
                if (Byte() > 5) throw Bad($"pickle protocol {data[_pos - 1]} is newer than any Python writes");
                break;
            case PickleOpcode.Frame: Take(8); break;
            case PickleOpcode.Mark: _marks.Push(_stack.Count); break;
            case PickleOpcode.Pop:
                if (_stack.Count > (_marks.Count > 0 ? _marks.Peek() : 0)) Pop(); else PopMark();
                break;
            case PickleOpcode.PopMark: PopMark(); break;
            case PickleOpcode.Dup: Push(Top()); break;

            case PickleOpcode.EmptyDict: Push(PyValues.NewDict()); break;
            case PickleOpcode.EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOpcode.EmptySet: Push(PyValues.NewSet([])); break;
            case PickleOpcode.Tuple: Push(PopMark()); break;
            case PickleOpcode.Tuple1: Push(PopN(1)); break;
            case PickleOpcode.Tuple2: Push(PopN(2)); break;
            case PickleOpcode.Tuple3: Push(PopN(3)); break;
            case PickleOpcode.List: Push(PopMark().ToList()); break;
            case PickleOpcode.FrozenSet: Push(PyValues.NewSet(PopMark())); break;
            case PickleOpcode.Dict:
                var dict = PyValues.NewDict();
                SetItems(dict, PopMark());
                Push(dict);
                break;
            case PickleOpcode.Append:
                var item = Pop();
                Target<List<object?>>("APPEND").Add(item);
                break;
            case PickleOpcode.Appends:
                var items = PopMark();
                Target<List<object?>>("APPENDS").AddRange(items);
                break;
            case PickleOpcode.SetItem:
                var value = Pop();
                var key = Pop();
                SetItems(Target<IDictionary>("SETITEM"), [key, value]);
                break;
            case PickleOpcode.SetItems:
                var pairs = PopMark();
                SetItems(Target<IDictionary>("SETITEMS"), pairs);
                break;
            case PickleOpcode.AddItems:
                var members = PopMark();
                Target<HashSet<object?>>("ADDITEMS").UnionWith(members);
                break;

            case PickleOpcode.BinPut: _memo[Byte()] = Top(); break;
            case PickleOpcode.LongBinPut: _memo[UInt32()] = Top(); break;
            case PickleOpcode.Memoize: _memo[_memo.Count] = Top(); break;
            case PickleOpcode.BinGet: Push(Memo(Byte())); break;
            case PickleOpcode.LongBinGet: Push(Memo(UInt32())); break;

            case PickleOpcode.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case PickleOpcode.BinInt1: Push((long)Byte()); break;
            case PickleOpcode.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case PickleOpcode.Long1: Push(Integer(Take(Byte()))); break;
            case PickleOpcode.Long4: Push(Integer(Take(Length(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break;
            case PickleOpcode.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case PickleOpcode.None: Push(null); break;
            case PickleOpcode.NewTrue: Push(true); break;
            case PickleOpcode.NewFalse: Push(false); break;

            case PickleOpcode.BinUnicode: Push(Utf8(Take(Length(UInt32())))); break;
            case PickleOpcode.ShortBinUnicode: Push(Utf8(Take(Byte()))); break;
            case PickleOpcode.BinUnicode8: Push(Utf8(Take(Length(BinaryPrimitives.ReadInt64LittleEndian(Take(8)))))); break;
            case PickleOpcode.BinString: Push(Encoding.Latin1.GetString(Take(Length(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break;
            case PickleOpcode.ShortBinString: Push(Encoding.Latin1.GetString(Take(Byte()))); break;
            case PickleOpcode.BinBytes: Push(Take(Length(UInt32())).ToArray()); break;
            case PickleOpcode.ShortBinBytes: Push(Take(Byte()).ToArray()); break;
            case PickleOpcode.BinBytes8: Push(Take(Length(BinaryPrimitives.ReadInt64LittleEndian(Take(8)))).ToArray()); break;

            case PickleOpcode.Global:
                var module = Line();
                Push(findGlobal(module, Line()));
                break;
            case PickleOpcode.StackGlobal:
                var name = Pop() as string ?? throw Bad($"STACK_GLOBAL at byte {at} needs a string name");
                Push(findGlobal(Pop() as string ?? throw Bad($"STACK_GLOBAL at byte {at} needs a string module"), name));
                break;
            case PickleOpcode.Reduce:
            case PickleOpcode.NewObj:
                var args = Pop() as object?[] ?? throw Bad($"{op} at byte {at} needs an argument tuple");
                Push(Callable(Pop(), op, at).Invoke(args));
                break;
            case PickleOpcode.NewObjEx:
                var kwargs = Pop() as IDictionary;
                var posArgs = Pop() as object?[] ?? throw Bad($"NEWOBJ_EX at byte {at} needs an argument tuple");
                if (kwargs is { Count: > 0 }) throw Bad($"NEWOBJ_EX at byte {at}: keyword arguments are not supported");
                Push(Callable(Pop(), op, at).Invoke(posArgs));
                break;
            case PickleOpcode.Build: Build(Pop(), Top(), at); break;
            case PickleOpcode.BinPersId: Push(persistentLoad(Pop())); break;

            default: throw Bad($"unknown pickle opcode 0x{(byte)op:X2} at byte {at} (not a torch.save pickle, or corrupt)");
        }
    }

    // BUILD sets an object's state. The only objects this reader builds that take state are OrderedDicts,
    // whose state is their attributes (a state dict's _metadata: module versions), which are not kept.
    void Build(object? state, object? target, int at)
    {
        if (target is IDictionary && state is null or IDictionary or object?[]) return;
        throw Bad($"BUILD at byte {at}: cannot set the state of {PyValues.Describe(target)}");
    }

    PyCallable Callable(object? o, PickleOpcode op, int at) =>
        o as PyCallable ?? throw Bad($"{op} at byte {at}: {o} is not callable");

    void SetItems(IDictionary dict, object?[] pairs)
    {
        if (pairs.Length % 2 != 0) throw Bad("SETITEMS with an odd number of items");
        for (int k = 0; k < pairs.Length; k += 2)
            dict[pairs[k] ?? throw Bad("a dict key is None, which this reader does not support")] = pairs[k + 1];
    }

    T Target<T>(string what) where T : class =>
        Top() as T ?? throw Bad($"{what} applied to {PyValues.Describe(Top())}");

    // ------------------------------------------------------------------ stack and memo

    void Push(object? v) => _stack.Add(v);

    object? Top() => _stack.Count > 0 ? _stack[^1] : throw Bad("stack underflow (corrupt pickle)");

    object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks.Peek())) throw Bad("stack underflow (corrupt pickle)");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    object?[] PopN(int n)
    {
        var items = new object?[n];
        for (int k = n - 1; k >= 0; k--) items[k] = Pop();
        return items;
    }

    object?[] PopMark()
    {
        if (_marks.Count == 0) throw Bad("an opcode needs a MARK that is not there (corrupt pickle)");
        int from = _marks.Pop();
        var items = _stack.GetRange(from, _stack.Count - from).ToArray();
        _stack.RemoveRange(from, _stack.Count - from);
        return items;
    }

    object? Memo(long k) => _memo.TryGetValue(k, out var v) ? v : throw Bad($"memo entry {k} read before it was written (corrupt pickle)");

    // ------------------------------------------------------------------ reading bytes

    ReadOnlySpan<byte> Take(int n)
    {
        if (n > data.Length - _pos) throw Bad("the pickle ends in the middle of an opcode (truncated?)");
        var span = data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    byte Byte() => Take(1)[0];

    uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    int Length(long n) => n >= 0 && n <= data.Length - _pos ? (int)n : throw Bad($"a length of {n} runs past the end of the pickle (truncated?)");

    string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', _pos);
        if (end < 0) throw Bad("GLOBAL without a line end (truncated?)");
        var s = Encoding.UTF8.GetString(data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    // LONG1 / LONG4: two's complement, little-endian; kept as long whenever it fits.
    static object Integer(ReadOnlySpan<byte> b)
    {
        var v = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
    }

    InvalidDataException Bad(string what) => new($"{source}: {what}");
}
