namespace DistillKit.Torch;

/// <summary>
/// The pickle opcodes the reader understands (binary protocols 2 to 4; torch.save writes protocol 2), with the
/// byte that encodes each, as Python's <c>pickletools</c> names them.
/// </summary>
internal enum PickleOpcode : byte
{
    // framing
    Proto = 0x80,             // protocol number (1 byte)
    Frame = 0x95,             // 8-byte frame length (protocol 4); frames are read straight through
    Stop = (byte)'.',         // end: the top of the stack is the result

    // marks and stack shuffling
    Mark = (byte)'(',
    Pop = (byte)'0',
    PopMark = (byte)'1',
    Dup = (byte)'2',

    // containers
    EmptyDict = (byte)'}',
    EmptyList = (byte)']',
    EmptyTuple = (byte)')',
    EmptySet = 0x8f,
    Tuple = (byte)'t',        // items since the mark
    Tuple1 = 0x85,
    Tuple2 = 0x86,
    Tuple3 = 0x87,
    Dict = (byte)'d',         // key, value pairs since the mark
    List = (byte)'l',         // items since the mark
    FrozenSet = 0x91,         // items since the mark
    Append = (byte)'a',
    Appends = (byte)'e',
    SetItem = (byte)'s',
    SetItems = (byte)'u',
    AddItems = 0x90,

    // memo
    BinPut = (byte)'q',       // 1-byte index
    LongBinPut = (byte)'r',   // 4-byte index
    Memoize = 0x94,           // next index
    BinGet = (byte)'h',
    LongBinGet = (byte)'j',

    // numbers and constants
    BinInt = (byte)'J',       // 4-byte signed
    BinInt1 = (byte)'K',      // 1-byte unsigned
    BinInt2 = (byte)'M',      // 2-byte unsigned
    Long1 = 0x8a,             // 1-byte length, two's complement little-endian
    Long4 = 0x8b,             // 4-byte length
    BinFloat = (byte)'G',     // 8-byte big-endian double
    None = (byte)'N',
    NewTrue = 0x88,
    NewFalse = 0x89,

    // strings and bytes
    BinUnicode = (byte)'X',   // 4-byte length, UTF-8
    ShortBinUnicode = 0x8c,   // 1-byte length
    BinUnicode8 = 0x8d,       // 8-byte length
    BinString = (byte)'T',    // Python 2 str, 4-byte length
    ShortBinString = (byte)'U',
    BinBytes = (byte)'B',     // 4-byte length
    ShortBinBytes = (byte)'C',
    BinBytes8 = 0x8e,

    // objects
    Global = (byte)'c',       // "module\nname\n"
    StackGlobal = 0x93,       // module, name from the stack
    Reduce = (byte)'R',       // callable(*args)
    Build = (byte)'b',        // obj.__setstate__(state)
    NewObj = 0x81,            // cls.__new__(cls, *args)
    NewObjEx = 0x92,          // cls.__new__(cls, *args, **kwargs)
    BinPersId = (byte)'Q',    // persistent id from the stack (torch: a storage)
}
