// Values kept for the life of the isolate, one per binding (or per `env`), made on first use.

/** `create(key)`, made once per key object and then shared by every request that holds the same key. */
export function onePer<K extends object, V>(create: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = create(key);
      made.set(key, value);
    }
    return value;
  };
}
