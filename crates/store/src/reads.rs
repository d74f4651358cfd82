//! The reads screens and commands call on a store, each written once: a
//! `Session` method inside `reads!( ... );` is also a method of `dyn Store`
//! of the same name, arguments and documentation, which opens a read session
//! for it. (Parentheses, not braces, so rustfmt still formats the methods.)

macro_rules! reads {
    ($(
        $(#[$attr:meta])*
        pub async fn $name:ident(&mut $self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty
        $body:block
    )*) => {
        impl $crate::Session {
            $(
                $(#[$attr])*
                pub async fn $name(&mut $self $(, $arg: $ty)*) -> $ret $body
            )*
        }

        impl dyn $crate::Store + '_ {
            $(
                $(#[$attr])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    self.read().await?.$name($($arg),*).await
                }
            )*
        }
    };
}

pub(crate) use reads;
